-- big_spenders.lua: the same in Lua, with the positional {op, value} form
-- the events guide uses, a plain value (equality), `in`, and a Lua function.
local subs = {
  { "positional", Event.subscribe("payment.*", { filter = { ["data.amount"] = { ">=", 100 } } }) },
  { "plain value", Event.subscribe("payment.*", { filter = { ["data.customer"] = "ada" } }) },
  { "in", Event.subscribe("payment.*", { filter = { ["data.currency"] = { op = "in", value = { "USD", "GBP" } } } }) },
  { "function", Event.subscribe("payment.*", { filter = function(e) return e.data.customer:sub(1, 1) == "a" end }) },
}
local done = Event.subscribe("payments.done")
local reported = Event.subscribe("filters.reported") -- prints after filters.js, so the lines do not interleave
if not Event.receive(done, 5000) or not Event.receive(reported, 5000) then error("no payments") end

for _, s in ipairs(subs) do
  local got = {}
  for _, e in ipairs(Event.receive_batch(s[2], { timeout_ms = 0 })) do
    got[#got + 1] = e.data.customer .. " " .. e.data.amount
  end
  print(("%-17s %s | filtered %d"):format(s[1], table.concat(got, ", "), Event.subscription_stats(s[2]).filtered))
end

-- a filter that is not one is refused when subscribing, naming the path
local ok, err = pcall(Event.subscribe, "payment.*", { filter = { ["data.amount"] = { value = 5 } } })
print("no op:", err.code)
