-- The shop's own auditor: only the "*" entry applies to it, and no masking
-- rule names it, so it sees the payment as published but for the card
-- number, which every script sees partly hidden. It reports once the
-- analytics script has published its stats.
local payments = Event.subscribe({ "payment.*", "stats.*" })
local seen = {}
while true do
  local e = Event.receive(payments, 30000)
  if e == nil or e.event_type == "stats.payments" then break end
  seen[#seen + 1] = e
end
local e = seen[1]
print(("%s: card %s, %s, address %s"):format(e.event_type, e.data.card_number, e.data.customer.email, e.data.address))
print("also seen: " .. seen[2].event_type .. ", " .. seen[3].event_type)
local ok, err = pcall(Event.subscribe, "admin.**")
print("subscribe admin.**: " .. err.code)
