-- The same mistakes in Lua: pcall returns an error value whose `.code` is
-- the code and whose tostring is "CODE: message", in Lua's words (nil, a
-- table); paths index from 1. An error of your own can carry a code too.
--
--   crosstalk run errors.lua

local attempts = {
  { "bad event type", function() Event.publish("no spaces allowed", 1) end },
  { "NaN in data", function() Event.publish("m.x", { readings = { 1, 2, 0 / 0 } }) end },
  { "a function in data", function() Event.publish("m.x", { callback = print }) end },
  { "a nil pattern", function() Event.subscribe(nil) end },
  { "bad option value", function() Event.subscribe("order.*", { backpressure = "sometimes" }) end },
}

for _, a in ipairs(attempts) do
  local ok, err = pcall(a[2])
  if ok then
    print(a[1] .. ": no error")
  else
    print(("%s: %s%s"):format(a[1], err.code, err.path and (" at " .. err.path) or ""))
    print("  " .. tostring(err))
  end
end

-- a table raised with a `code` is an error like the bus's own; uncaught, it ends the script with that code
local _, mine = pcall(error, { code = "OUT_OF_STOCK", message = "teapot: none left" })
print(("an error of your own: %s (%s)"):format(mine.code, mine.message))
