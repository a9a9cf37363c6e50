-- A boiler's temperature, read every 100 ms; the run's --persist
-- 'sensor.**' stores each reading.
local readings = { 61.5, 63.0, 66.5, 71.0, 78.5, 74.0 }
for i, celsius in ipairs(readings) do
  Event.publish("sensor.boiler", { reading = i, celsius = celsius })
  if i < #readings then Event.sleep(100) end
end
print(("recorded %d readings"):format(#readings))
