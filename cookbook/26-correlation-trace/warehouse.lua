-- The warehouse picks an order once it is paid, and ships it.
local paid = Event.subscribe("payment.done")
local payment = Event.receive(paid, 30000)
Event.publish("stock.picked", { order = payment.data.order })
Event.publish("order.shipped", { order = payment.data.order })
print("order " .. payment.data.order .. " shipped")
