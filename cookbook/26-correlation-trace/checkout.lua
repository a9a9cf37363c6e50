-- The checkout: everything it publishes for order 1001 carries the
-- correlation id "order-1001", so the whole story of the order can be
-- found by that one id later.
Event.with_correlation("order-1001", function()
  Event.publish("order.created", { order = 1001, amount = 42.5, items = 3 })
  Event.publish("order.confirmed", { order = 1001 })
end)
print("order 1001 placed")
