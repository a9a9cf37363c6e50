-- An application's event log: a lot of metrics, a few audit entries, and
-- short-lived session events (ttl_seconds = 1).
for i = 1, 1500 do
  Event.publish("metric.cpu", { load = i % 100 })
end
for _, user in ipairs({ "ann", "bob" }) do
  Event.publish("audit.login", { user = user })
end
for i = 1, 5 do
  Event.publish("session.ping", { n = i }, { ttl_seconds = 1 })
end
Event.sleep(1100) -- the pings expire
print("logged 1507 events")
