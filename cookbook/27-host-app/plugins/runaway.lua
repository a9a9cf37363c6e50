-- A merchant's plugin with a bug: it never ends. The shop stops it when
-- it has used its CPU budget.
local n = 0
while true do n = n + 1 end
