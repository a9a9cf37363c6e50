-- A Lua process's share of the stream: three shipped orders, persistent,
-- so JetStream keeps them for every other process.
--
--   crosstalk run --bus nats://127.0.0.1:4222 shipments.lua
for i, carrier in ipairs({ "dhl", "ups", "dhl" }) do
  Event.publish("order.shipped", { order = "C-300" .. i, carrier = carrier }, { persistent = true })
end
print("shipments: 3 order.shipped events")
