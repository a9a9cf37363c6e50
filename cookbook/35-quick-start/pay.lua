-- pay.lua: takes a few payments and announces each one as `order.paid`.
--
-- Run it with a consumer:  npx crosstalk run cookbook/lua/pay.lua cookbook/lua/audit.lua
--
-- Events published before anyone subscribes reach no one, so the payer
-- first waits (up to 2 s) for an auditor to say it is listening.
local ready = Event.subscribe("audit.ready")
if not Event.receive(ready, 2000) then
  print("no auditor is listening; paying anyway")
end
ready:unsubscribe()

local orders = {
  { id = "A-1001", customer = "ada", amount = 42.50, currency = "EUR" },
  { id = "A-1002", customer = "grace", amount = 180.00, currency = "EUR" },
  { id = "A-1003", customer = "linus", amount = 9.99, currency = "USD" },
  { id = "A-1004", customer = "ada", amount = 120.00, currency = "USD" },
}

for _, order in ipairs(orders) do
  -- the correlation id ties every later event about this order to it
  local id = Event.publish("order.paid", order, {
    correlation_id = order.id,
    metadata = { channel = "web" },
  })
  print(("paid %s: %.2f %s (event %s…)"):format(order.id, order.amount, order.currency, id:sub(1, 8)))
end

Event.publish("order.batch_done", { count = #orders })
