-- supervisor.lua: watches the scripts named after `--` through the host's
-- lifecycle events, raises an alert when one fails, and prints a status
-- table once every one of them has ended.
local watched = {}
local left = 0
for _, name in ipairs(arg) do
  watched[name] = { events = {} }
  left = left + 1
end
if left == 0 then error("name the scripts to watch after --", 0) end

local life = Event.subscribe("crosstalk.script.*")
while left > 0 do
  local e = Event.receive(life, 30000)
  if e == nil then error("no lifecycle event in 30 s; " .. left .. " scripts still running", 0) end
  local d = e.data
  local w = watched[d.script]
  if w ~= nil then
    local what = e.event_type:match("[^.]+$")   -- started, stopped, failed
    w.language = d.language
    if what == "started" then
      table.insert(w.events, "started")
    else
      left = left - 1
      w.traffic = string.format("%d in, %d out", d.events_in, d.events_out)
      if what == "failed" then
        local where = d.line and (" at line " .. d.line) or ""
        table.insert(w.events, string.format("failed (%s%s: %s)", d.code, where, d.reason))
        Event.publish("alert.script_failed", { script = d.script, code = d.code, reason = d.reason }, { priority = "high" })
      else
        table.insert(w.events, "stopped (" .. d.reason .. ")")
      end
    end
  end
end

local names = {}
for name in pairs(watched) do table.insert(names, name) end
table.sort(names)
for _, name in ipairs(names) do
  local w = watched[name]
  print(string.format("%-12s %-10s %s; %s", name, w.language, table.concat(w.events, ", "), w.traffic))
end
