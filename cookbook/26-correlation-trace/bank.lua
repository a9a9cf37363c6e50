-- The bank answers a payment request.
local requests = Event.subscribe("payment.requested")
local req = Event.receive(requests, 30000)
Event.publish("bank.answered", { order = req.data.order, ok = true })
