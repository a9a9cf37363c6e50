-- A shop that keeps what it must: orders are stored by the run's
-- --persist 'order.**'; a login token for two seconds (ttl_seconds); an
-- abandoned cart for a day; page views not at all.
local orders = {
  { id = "A-1001", customer = "ann", amount = 120.00, currency = "EUR" },
  { id = "A-1002", customer = "bob", amount = 15.50, currency = "EUR" },
  { id = "A-1003", customer = "cy", amount = 480.00, currency = "USD" },
  { id = "A-1004", customer = "ann", amount = 75.25, currency = "EUR" },
}
for _, o in ipairs(orders) do
  Event.publish("order.placed", o, { correlation_id = o.id })
end
Event.publish("order.shipped", { id = "A-1001" }, { correlation_id = "A-1001" })
Event.publish("session.token", { user = "ann", token = "t-8f2a" }, { ttl_seconds = 2 })
Event.publish("cart.abandoned", { customer = "cy", items = 3 }, { persistent = true, ttl_seconds = 86400 })
Event.publish("page.viewed", { path = "/checkout" }) -- not stored

local function count(q)
  q.limit = 1000
  return #Event.query(q)
end
print("stored now: orders " .. count({ event_type = "order.*" })
  .. ", tokens " .. count({ event_type = "session.*" })
  .. ", carts " .. count({ event_type = "cart.*" })
  .. ", page views " .. count({ event_type = "page.*" }))

Event.sleep(2100) -- the token's two seconds run out
print("two seconds later: tokens " .. count({ event_type = "session.*" }) .. ", carts " .. count({ event_type = "cart.*" }))
