-- audit.lua: totals paid orders per currency and flags large ones.
--
-- Runs next to pay.lua:  crosstalk run pay.lua audit.lua
local LARGE = 100

local paid = Event.subscribe({ "order.paid", "order.batch_done" })

local totals, count = {}, 0
while true do
  local e = Event.receive(paid, 10000) -- waits without blocking the other scripts
  if e == nil then error("no payments for 10 s") end
  if e.event_type == "order.batch_done" then break end

  local order = e.data
  count = count + 1
  totals[order.currency] = (totals[order.currency] or 0) + order.amount
  if order.amount >= LARGE then
    Event.publish("audit.flagged", { order = order.id, amount = order.amount }, {
      priority = "high",
      correlation_id = e.source.correlation_id,
    })
    print(("flagged %s (%.2f %s)"):format(order.id, order.amount, order.currency))
  end
end

local currencies = {}
for currency in pairs(totals) do currencies[#currencies + 1] = currency end
table.sort(currencies)
for _, currency in ipairs(currencies) do
  print(("audited %s: %.2f"):format(currency, totals[currency]))
end
print(("audited %d orders"):format(count))
