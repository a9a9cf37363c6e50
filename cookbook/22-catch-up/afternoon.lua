-- The afternoon's orders, published while billing.js runs, then the day's end.
for i, amount in ipairs({ 310, 15 }) do
  Event.publish("order.placed", { id = "A-" .. i, amount = amount })
end
Event.publish("order.day_closed", {})
