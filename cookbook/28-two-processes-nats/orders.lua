-- Publishes a few orders for the listener in another process (README,
-- "Several processes: NATS JetStream"):
--
--   crosstalk run --bus nats://127.0.0.1:4222 orders.lua
--
-- The events are persistent: with --bus they are kept in the JetStream
-- stream (CROSSTALK) after both processes are gone, and a listener that
-- starts later still reads them.
local orders = {
  { id = "B-2001", amount = 12.50 },
  { id = "B-2002", amount = 99.00 },
  { id = "B-2003", amount = 7.25 },
}
for _, order in ipairs(orders) do
  Event.publish("order.paid", order, { persistent = true, correlation_id = order.id })
end
Event.publish("order.batch_done", { count = #orders }, { persistent = true })
print(("sent %d orders"):format(#orders))
