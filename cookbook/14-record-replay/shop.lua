-- shop.lua: a day of a small web shop. Run with `--persist 'order.**'`, its
-- order events are recorded in the store; its cart views are not.
local day = arg[1] or "monday"

local days = {
  monday = {
    { order = "M-1", amount = 120.0 },
    { order = "M-2", amount = 45.5 },
    { order = "M-3", amount = 25.0, refund = true },
  },
  tuesday = {
    { order = "T-1", amount = 80.0 },
    { order = "T-2", amount = 19.99 },
  },
}
local orders = days[day] or error("no such day: " .. tostring(day))

for _, o in ipairs(orders) do
  Event.publish("cart.viewed", { order = o.order })
  Event.publish("order.placed", { order = o.order, amount = o.amount, day = day })
  Event.publish("order.paid", { order = o.order, amount = o.amount, day = day })
  if o.refund then
    Event.publish("order.refunded", { order = o.order, amount = o.amount, day = day })
  end
end
print(string.format("%s: %d orders recorded", day, #orders))
