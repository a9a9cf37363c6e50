-- uploader.lua: sends a file in chunks, pausing between them so as not to
-- flood the server, then asks the bus for a heartbeat and a reminder.
local finished = Event.subscribe("upload.finished")
local beats = Event.subscribe("heartbeat")
local reminders = Event.subscribe("reminder.due")

-- 1. pace the upload: Event.sleep and os.execute("sleep N") both wait
--    without using CPU, and the host goes on meanwhile
local chunks = { "crosstalk ", "sends this ", "file in three chunks" }
for i, chunk in ipairs(chunks) do
  Event.publish("upload.chunk", { n = i, text = chunk })
  print("sent chunk " .. i .. " (" .. #chunk .. " bytes)")
  if i == 1 then
    Event.sleep(50)            -- milliseconds
  elseif i == 2 then
    os.execute("sleep 0.05")   -- seconds, as the Rust original's scripts write it
  end
end

-- 2. the server notices the end of the upload when the chunks stop coming
local done = Event.receive(finished, 5000)
print(string.format("server: %d chunks, %d bytes: %q", done.data.chunks, #done.data.text, done.data.text))

-- 3. a schedule the bus runs: every 100 ms until cancelled
local every = Event.schedule("heartbeat", { from = "uploader.lua" }, { every_ms = 100 })
for i = 1, 3 do
  local beat = Event.receive(beats, 1000)
  print("heartbeat " .. i .. " from " .. beat.data.from)
end
print("cancelled:", Event.cancel(every), "again:", Event.cancel(every))

-- 4. and once, later
Event.schedule("reminder.due", { text = "rotate the upload logs" }, { delay_ms = 200 })
print("reminder: " .. Event.receive(reminders, 1000).data.text)
