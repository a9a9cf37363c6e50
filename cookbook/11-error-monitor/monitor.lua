-- monitor.lua: the events guide's centralized error monitor. It counts
-- errors per component and publishes `alert.error_threshold` when a
-- component goes over THRESHOLD, then starts counting it afresh.
local THRESHOLD = 3

local sub = Event.subscribe({ "**.error", "logs.shipped" })
local error_counts = {}
local total = 0
local done = false

while not done do
  -- what is queued, up to 50 at a time; a quiet minute means the shipper died
  local events = Event.receive_batch(sub, { max_events = 50, timeout_ms = 60000 })
  if #events == 0 then error("no errors and no end of the logs in a minute") end

  for _, event in ipairs(events) do
    if event.event_type == "logs.shipped" then
      done = true
    else
      local component = event.source.component or "unknown"
      error_counts[component] = (error_counts[component] or 0) + 1
      total = total + 1

      if error_counts[component] > THRESHOLD then
        Event.publish("alert.error_threshold", {
          component = component,
          count = error_counts[component],
          recent_error = event.data.error,
        }, { priority = "high" })
        error_counts[component] = 0 -- reset
      end
    end
  end
end

Event.publish("monitor.stopped", { errors = total, below_threshold = error_counts })
