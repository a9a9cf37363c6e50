-- The Lua side of quote-service.js: asks for three quotes with
-- Event.request, which waits for the reply to this very request (nil after
-- the timeout, NO_RESPONDERS at once when no service subscribes).

for _, ask in ipairs({ { item = "apple", qty = 4 }, { item = "fig", qty = 3 }, { item = "kiwi", qty = 1 } }) do
  local reply = Event.request("quote.get", ask, { timeout_ms = 5000 })
  if reply == nil then
    print(ask.item .. ": no answer in time")
  elseif reply.data.error then
    print(ask.item .. ": " .. reply.data.error)
  else
    print(string.format("%d %s cost %.2f (quoted by %s)", reply.data.qty, reply.data.item, reply.data.total, reply.source.language))
  end
end

-- nothing serves stock checks: the request fails at once instead of waiting
local ok, err = pcall(Event.request, "stock.check", { item = "apple" }, { timeout_ms = 5000 })
print("stock.check: " .. (ok and "answered" or err.code))

Event.publish("quote.done", {})
