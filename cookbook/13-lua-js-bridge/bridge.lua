-- bridge.lua: the Lua side of the events guide's cross-language bridge.
-- Lua talks to JS on `bridge.lua_to_js` and listens on `bridge.js_to_lua`;
-- it asks JS for what JS does well (locale-aware sorting, number
-- formatting), and answers what Lua does well (string patterns).
local from_js = Event.subscribe("bridge.js_to_lua")

local function notifyJS(action, data)
  Event.publish("bridge.lua_to_js", { action = action, data = data, language = "lua" })
end

local function listenToJS()
  local event = Event.receive(from_js, 5000)
  if event == nil then error("no word from JS in 5 s") end
  return event.data
end

notifyJS("sort", { words = { "pear", "Äpfel", "apple", "fig" } })
local answer = listenToJS()
print("JS sorted: " .. table.concat(answer.data.result, ", "))

notifyJS("stats", { values = { 3, 4.5, 10, 2.75 } })
answer = listenToJS()
print(string.format("JS counted %d values (a Lua %s), mean %s, as money %s",
  answer.data.result.count, math.type(answer.data.result.count), answer.data.result.mean, answer.data.result.money))

-- JS has a question of its own
local question = listenToJS()
print("JS asks for a " .. question.action .. " of: " .. question.data.text)
local slug = question.data.text:lower():gsub("[^%w]+", "-"):gsub("^%-", ""):gsub("%-$", "")
notifyJS("answer", { result = slug })

notifyJS("bye", {})
