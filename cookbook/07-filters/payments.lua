-- payments.lua: six payments, then "payments.done".
local PAYMENTS = {
  { customer = "ada", amount = 5, currency = "EUR" },
  { customer = "grace", amount = 120, currency = "EUR" },
  { customer = "linus", amount = 99, currency = "USD" },
  { customer = "ada", amount = 250, currency = "USD" },
  { customer = "alan", amount = 101, currency = "EUR" },
  { customer = "barbara", amount = 7, currency = "GBP" },
}
for _, p in ipairs(PAYMENTS) do Event.publish("payment.received", p) end
Event.publish("payments.done", { count = #PAYMENTS })
