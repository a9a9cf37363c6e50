-- Calls an API five times as fast as it can; the --config file lets a burst
-- of 3 through (README "Configuration file").
--
--   crosstalk run --config limits.json api-client.lua
for i = 1, 5 do
  local ok, err = pcall(Event.publish, "api.search", { q = "shoes", page = i })
  if ok then print("page " .. i .. " requested") else print("page " .. i .. ": " .. err.code) end
end
