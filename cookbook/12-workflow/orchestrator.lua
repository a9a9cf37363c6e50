-- orchestrator.lua: the events guide's event-driven workflow. For each
-- import it starts the processing, follows the stages as their completions
-- come in, and stops at the first error. It does none of the work itself.
local STAGES = { "validate", "transform", "analyze" }

local subs = {
  data_ready = Event.subscribe("data.import.*"),
  processing = Event.subscribe("processing.*.completed"),
  errors = Event.subscribe("workflow.*.error"),
}

local function run_workflow(import)
  local data_id = import.data.import_id
  print(string.format("import %s (%d rows)", data_id, #import.data.rows))
  Event.publish("processing.started", { data_id = data_id, rows = import.data.rows, stages = STAGES })

  local completed_stages = {}
  while #completed_stages < #STAGES do
    -- whichever comes first: a stage done, or an error
    local got = Event.receive_any({ subs.processing, subs.errors }, 30000)
    if got == nil then error("workflow " .. data_id .. ": no progress in 30 s") end
    local event = got.event
    if got.subscription.id == subs.errors.id then
      print("  " .. event.data.stage .. " failed: " .. event.data.error)
      Event.publish("workflow.failed", { data_id = data_id, stage = event.data.stage })
      return false
    end
    table.insert(completed_stages, event.data.stage)
    print("  completed stage: " .. event.data.stage .. " (" .. event.data.summary .. ")")
  end
  Event.publish("workflow.completed", { data_id = data_id, stages = completed_stages })
  return true
end

local done, failed = 0, 0
while true do
  local data_event = Event.receive(subs.data_ready, 60000)
  if not data_event then error("Timeout waiting for data") end
  if data_event.event_type == "data.import.finished" then break end
  if run_workflow(data_event) then done = done + 1 else failed = failed + 1 end
end
print(string.format("%d workflows completed, %d failed", done, failed))
Event.publish("workflow.shutdown", {})
