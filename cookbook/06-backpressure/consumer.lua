-- consumer.lua: a consumer slower than its producer, four times over:
-- one subscription per backpressure strategy, each with room for 5 events.
local STRATEGIES = { "drop_oldest", "drop_newest", "reject", "block" }
local subs = {}
for _, s in ipairs(STRATEGIES) do
  subs[s] = Event.subscribe("load." .. s, { backpressure = s, max_queue_size = 5, block_timeout_ms = 5000 })
end
local sent = Event.subscribe("load.sent")
Event.publish("consumer.ready", {})

-- busy elsewhere until the producer has sent the first three loads
if not Event.receive(sent, 10000) then error("the producer never finished") end

local function numbers(events)
  local n = {}
  for _, e in ipairs(events) do n[#n + 1] = e.data.n end
  return table.concat(n, " ")
end

for _, s in ipairs({ "drop_oldest", "drop_newest", "reject" }) do
  local got = Event.receive_batch(subs[s], { timeout_ms = 0 })
  local st = Event.subscription_stats(subs[s])
  print(("%-11s got %-14s dropped %2d, rejected %2d"):format(s, numbers(got), st.dropped, st.rejected))
end

-- block: the producer waits for room, so this slow loop gets every event
local got = {}
for _ = 1, 20 do
  local e = Event.receive(subs.block, 5000)
  if not e then error("block: an event is missing") end
  got[#got + 1] = e
  Event.sleep(10) -- the slow part of the work
end
local st = Event.subscription_stats(subs.block)
print(("%-11s got %d events (%d..%d), dropped %d"):format("block", #got, got[1].data.n, got[#got].data.n, st.dropped))
-- how often the producer had to wait depends on the two scripts' pace
print(("~ block: %d publishes found the queue full and waited"):format(st.blocked))
