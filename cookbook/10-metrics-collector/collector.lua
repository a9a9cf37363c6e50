-- collector.lua: the events guide's metrics collector. It gathers readings
-- per metric type and publishes one `metric.aggregated` event for every
-- WINDOW readings of a type; on `collector.stop` it flushes what is left.
local WINDOW = 5

-- one subscription for both, so the stop arrives after every reading
-- published before it (a subscription keeps publish order)
local sub = Event.subscribe({ "metric.*", "collector.stop" })
local windows = {}   -- metric type -> list of values
local published = 0

local function flush(metric_type)
  local values = windows[metric_type]
  if values == nil or #values == 0 then return end
  local sum, min, max = 0, math.huge, -math.huge
  for _, v in ipairs(values) do
    sum = sum + v
    min = math.min(min, v)
    max = math.max(max, v)
  end
  Event.publish("metric.aggregated", {
    type = metric_type,
    average = sum / #values,
    min = min,
    max = max,
    count = #values,
  })
  published = published + 1
  windows[metric_type] = {}
end

while true do
  local event = Event.receive(sub, 10000)
  if event == nil or event.event_type == "collector.stop" then break end
  local metric_type = event.event_type:match("^metric%.(.+)$")
  -- metric.aggregated matches metric.* too: our own output, not a reading
  if metric_type ~= "aggregated" then
    windows[metric_type] = windows[metric_type] or {}
    table.insert(windows[metric_type], event.data.value)
    if #windows[metric_type] >= WINDOW then flush(metric_type) end
  end
end

-- partial windows, in a stable order
local left = {}
for metric_type in pairs(windows) do table.insert(left, metric_type) end
table.sort(left)
for _, metric_type in ipairs(left) do flush(metric_type) end
Event.publish("collector.stopped", { windows = published })
