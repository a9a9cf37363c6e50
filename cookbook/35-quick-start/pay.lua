-- pay.lua: takes a few payments and announces each one as `order.paid`,
-- then says `order.batch_done`.
--
-- Run it with an auditor:  crosstalk run pay.lua audit.js   (or audit.lua)
--
-- Scripts started together pass a start barrier: these publishes are held
-- until the auditor has subscribed, so none is lost and no handshake is needed.
local orders = {
  { id = "A-1001", customer = "ada", amount = 42.50, currency = "EUR" },
  { id = "A-1002", customer = "grace", amount = 180.00, currency = "EUR" },
  { id = "A-1003", customer = "linus", amount = 9.99, currency = "USD" },
  { id = "A-1004", customer = "ada", amount = 120.00, currency = "USD" },
}

for _, order in ipairs(orders) do
  -- the correlation id ties every later event about this order to it
  Event.publish("order.paid", order, {
    correlation_id = order.id,
    metadata = { channel = "web" },
  })
  print(("paid %s: %.2f %s"):format(order.id, order.amount, order.currency))
end

Event.publish("order.batch_done", { count = #orders })
