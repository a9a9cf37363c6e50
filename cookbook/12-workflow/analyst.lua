-- analyst.lua: the analyze stage, in Lua. It picks up where the transform
-- stage left off, whoever ran it.
local sub = Event.subscribe({ "processing.transform.completed", "workflow.shutdown" })
while true do
  local e = Event.receive(sub, 60000)
  if e == nil or e.event_type == "workflow.shutdown" then break end

  local regions = {}
  for region in pairs(e.data.by_region) do table.insert(regions, region) end
  table.sort(regions, function(a, b) return e.data.by_region[a] > e.data.by_region[b] end)
  local total = 0
  for _, region in ipairs(regions) do total = total + e.data.by_region[region] end

  Event.publish("processing.analyze.completed", {
    data_id = e.data.data_id,
    stage = "analyze",
    summary = string.format("%.2f in total, most from %s", total, regions[1]),
  })
end
