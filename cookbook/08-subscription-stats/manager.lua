-- manager.lua: a script that looks after its subscriptions — lists them,
-- reads what happened to their events, resets the counters, closes them.

local orders = Event.subscribe("order.*", { max_queue_size = 5 })       -- small: it will drop
local big = Event.subscribe("order.paid", { filter = { ["data.amount"] = { ">=", 100 } } })
local alerts = Event.subscribe({ "alert.*", "alarm.*" }, { backpressure = "drop_newest" })

local function list()
  for _, s in ipairs(Event.list_subscriptions()) do
    print(("  %-22s queued %d of %-5d %s"):format(table.concat(s.patterns, " "), s.queue_size, s.max_queue_size, s.backpressure))
  end
end

local function show(name, sub)
  local st = Event.subscription_stats(sub)
  print(("  %-7s received %d = delivered %d + filtered %d + dropped %d + queued %d (at most %d queued)"):format(
    name, st.total_received, st.delivered, st.filtered, st.dropped, st.queue_size, st.high_water))
end

for n = 1, 8 do Event.publish("order.paid", { order = n, amount = n * 30 }) end
Event.publish("alert.disk", { free_gb = 3 })

print("subscriptions:")
list()
print("stats:")
show("orders", orders)
show("big", big)
show("alerts", alerts)

-- take two orders: they move from queued to delivered
Event.receive(orders, 0)
Event.receive(orders, 0)
show("orders", orders)

-- start counting afresh (say, per reporting interval): what is still queued stays counted
Event.reset_stats(orders)
print("after reset_stats:")
show("orders", orders)

-- closing: by pattern (every subscription holding it) or by handle, idempotent
print("unsubscribe_pattern alarm.*:", Event.unsubscribe_pattern("alarm.*"))
print("unsubscribe big:", Event.unsubscribe(big), "again:", big:unsubscribe())
print("receive from a closed one:", Event.receive(big, 1000)) -- nil at once
print("its stats:", select(2, pcall(Event.subscription_stats, big)).code)
print("left:")
list()
