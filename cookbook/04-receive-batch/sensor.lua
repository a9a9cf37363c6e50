-- sensor.lua: 1,000 readings, alternating cpu and memory, then "sensor.done".
for i = 0, 999 do
  Event.publish(i % 2 == 1 and "metric.cpu" or "metric.memory", { value = 50 + 40 * math.sin(i / 50) })
end
Event.publish("sensor.done", { readings = 1000 })
