-- The morning's orders, stored by the run's --persist 'order.**'. Nobody
-- is listening yet.
for i, amount in ipairs({ 40, 125, 60 }) do
  Event.publish("order.placed", { id = "M-" .. i, amount = amount })
end
print("morning: 3 orders placed, nobody listening")
