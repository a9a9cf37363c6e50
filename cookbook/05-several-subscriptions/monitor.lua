-- monitor.lua: one loop over three subscriptions with receive_any. When
-- several have events, the first in the list wins, so alerts jump the queue.
local alerts = Event.subscribe("alert.*")
local orders = Event.subscribe("order.*")
local control = Event.subscribe("control.*")
local name = { [alerts.id] = "alerts", [orders.id] = "orders", [control.id] = "control" }

while true do
  local got = Event.receive_any({ alerts, orders, control }, 5000)
  if got == nil then error("nothing on any subscription for 5 s") end
  local e = got.event
  print(("%-8s %-13s %s"):format(name[got.subscription.id], e.event_type, JSON.encode(e.data)))
  if got.subscription.id == control.id then break end
end

print("nothing queued:", Event.receive_any({ alerts, orders, control }, 0))
alerts:unsubscribe()
orders:unsubscribe()
control:unsubscribe()
print("all closed:", Event.receive_any({ alerts, orders, control }, 5000)) -- at once, not after 5 s
Event.publish("monitor.done", {})
