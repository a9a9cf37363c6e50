-- standby.lua: a hot standby for worker.lua. It waits until the worker
-- ends, then takes over the durable queue "resizer" with what the worker
-- left: first the job it was handed but did not finish, then the rest.
local life = Event.subscribe({ "crosstalk.script.stopped", "crosstalk.script.failed" })
while true do
  local e = Event.receive(life, 60000)
  if e == nil then error("worker.lua neither ended nor failed in a minute") end
  if e.data.script == "worker.lua" then
    if e.event_type == "crosstalk.script.stopped" then return end -- it finished: nothing to take over
    print("worker.lua failed (" .. e.data.code .. "); the standby takes over")
    break
  end
end

-- the same name, patterns and options: the parked queue, not a new one
local jobs = Event.subscribe("image.resize", { durable = "resizer" })
while true do
  local job = Event.receive(jobs, 60000)
  if job == nil then break end
  local d = job.data
  local tiles = math.ceil(d.width / 8192)   -- wide images in tiles of 8192 px
  print(string.format("resized %s in %d tile%s (job %d of %d)", d.file, tiles, tiles == 1 and "" or "s", d.n, d.of))
  if d.n == d.of then break end
end
