-- A merchant's plugin: the day's takings per currency.
local day = arg[1]
local totals, count = {}, 0
for _, e in ipairs(Event.query({ event_type = "order.paid", limit = 1000 })) do
  totals[e.data.currency] = (totals[e.data.currency] or 0) + e.data.amount
  count = count + 1
end
Event.publish("report.totals", { day = day, EUR = totals.EUR, USD = totals.USD })
print(("%d orders on %s"):format(count, day))
return count
