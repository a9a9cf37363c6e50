-- big_spenders.lua: a consumer that only sees what it asks for, in batches.
--
--   npx crosstalk run cookbook/lua/big_spenders.lua cookbook/lua/pay.lua cookbook/lua/audit.lua
--
-- `filter` may be a predicate table, checked by the bus before queueing
-- (the syntax of README "Query"), or a Lua function, called when the event is received.
local big = Event.subscribe("order.paid", {
  filter = { ["data.amount"] = { op = ">=", value = 100 } },
  max_queue_size = 1000,
  backpressure = "drop_oldest",
})
local euros = Event.subscribe("order.paid", {
  filter = function(e) return e.data.currency == "EUR" end,
})

-- receive_batch waits for the first event, then takes what else is queued
local seen = 0
while seen < 2 do
  local events = Event.receive_batch(big, { max_events = 10, timeout_ms = 5000 })
  if #events == 0 then break end
  for _, e in ipairs(events) do
    seen = seen + 1
    print(("big spender: %s paid %.2f %s"):format(e.data.customer, e.data.amount, e.data.currency))
  end
end

local eur = Event.receive_batch(euros, { timeout_ms = 0 })
print(("%d payments in EUR; %d filtered out"):format(#eur, Event.subscription_stats(euros).filtered))

-- errors from the bus are values with a code
local ok, err = pcall(Event.publish, "not a valid type!", {})
if not ok then print("as expected: " .. err.code) end
