-- A CI pipeline reports each stage as it ends.
local stages = {
  { "pipeline.stage.completed", "checkout", 850, "ok" },
  { "pipeline.stage.completed", "build", 42000, "ok" },
  { "pipeline.stage.failed", "test", 30, "upstream timeout" },
  { "pipeline.stage.completed", "test", 61000, "ok, 2 retries" },
  { "pipeline.stage.failed", "deploy", 4000, "timeout after 3 tries" },
}
for _, s in ipairs(stages) do
  Event.publish(s[1], { stage = s[2], duration = s[3], message = s[4] })
end
Event.publish("pipeline.finished", { ok = false })
