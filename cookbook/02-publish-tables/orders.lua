-- orders.lua: publishes orders as whole tables (the event_type inside),
-- with the fields a consumer reads besides the data: who sent it
-- (source.component), under which correlation id, with what priority and
-- metadata. Then it waits for the shipping script's answers.

local ORDERS = {
  { id = "A-1", sku = "kettle", qty = 1, priority = "normal", channel = "web" },
  { id = "A-2", sku = "teapot", qty = 2, priority = "high", channel = "shop" },
  { id = "A-3", sku = "cups", qty = 6, priority = "low", channel = "web" },
}

local shipped = Event.subscribe("order.shipped")

for _, o in ipairs(ORDERS) do
  Event.publish({
    event_type = "order.placed",
    data = { order = o.id, sku = o.sku, qty = o.qty },
    source = { component = "checkout" },     -- instead of the file name
    correlation_id = o.id,                   -- every later event about this order carries it
    priority = o.priority,
    metadata = { channel = o.channel, tenant = "acme" },
  })
end

-- the same call with the type first and the options last
Event.publish("order.placed", { order = "A-4", sku = "spoon", qty = 12 },
  { correlation_id = "A-4", metadata = { channel = "phone", tenant = "acme" } })

-- a field the event does not have, or a bad value, is refused with a code
local ok, err = pcall(Event.publish, { event_type = "order.placed", data = {}, priority = "urgent" })
print("priority urgent:", err.code)
ok, err = pcall(Event.publish, { event_type = "order.placed", data = {}, colour = "red" })
print("unknown field:", err.code)

local answers = {}
for _ = 1, #ORDERS + 1 do
  local e = Event.receive(shipped, 5000)
  if not e then error("no shipping answer within 5 s") end
  answers[#answers + 1] = ("%s by %s (correlation %s, from %s in %s)"):format(
    e.data.order, e.metadata.carrier, e.source.correlation_id, e.source.component, e.source.language)
end
for _, line in ipairs(answers) do print("shipped " .. line) end
