-- The Lua side of cookbook/js/quote-service.js: waits for the service, asks
-- for three quotes and matches each reply to its request by correlation id.

local ready = Event.subscribe("quote.ready")
local replies = Event.subscribe("quote.reply")

-- Scripts start together: the service may be up already (its subscription is
-- on the bus), or it announces itself with quote.ready after subscribing.
local function service_up()
  for _, s in ipairs(Event.list_subscriptions()) do
    for _, p in ipairs(s.patterns) do
      if p == "quote.request" then return true end
    end
  end
  return false
end
if not service_up() and not Event.receive(ready, 5000) then error("no quote service") end

for _, ask in ipairs({ { item = "apple", qty = 4 }, { item = "fig", qty = 3 }, { item = "kiwi", qty = 1 } }) do
  local id = Event.publish("quote.request", ask)
  local reply = Event.receive(replies, 5000)
  assert(reply and reply.source.correlation_id == id, "reply does not match the request")
  if reply.data.error then
    print(ask.item .. ": " .. reply.data.error)
  else
    print(string.format("%d %s cost %.2f (quoted by %s)", reply.data.qty, reply.data.item, reply.data.total, reply.source.language))
  end
end
Event.publish("quote.done", {})
