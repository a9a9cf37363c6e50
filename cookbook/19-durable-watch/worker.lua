-- worker.lua: resizes images from the durable queue "resizer". Its queue
-- outlives it: what arrives while no worker runs waits for the next one.
local MAX_WIDTH = 8192   -- this version's buffer; wider images are a bug

local jobs = Event.subscribe("image.resize", { durable = "resizer" })
while true do
  local job = Event.receive(jobs, 60000)
  if job == nil then break end
  local d = job.data
  if d.width > MAX_WIDTH then
    error(string.format("%s is %d px wide; the buffer holds %d", d.file, d.width, MAX_WIDTH))
  end
  print(string.format("resized %s (job %d of %d)", d.file, d.n, d.of))
  if d.n == d.of then break end
end
