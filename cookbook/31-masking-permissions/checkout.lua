-- The checkout: takes a payment, with everything a payment carries.
Event.publish("payment.captured", {
  order = "A-1001",
  amount = 42.5,
  card_number = "4111111111111111",
  customer = { email = "ann@example.com" },
  address = "1 Rue de la Paix, Paris",
}, { persistent = true })
Event.publish("payment.refunded", { order = "A-0999", amount = 10 }, { persistent = true })
Event.publish("admin.password_reset", { user = "ann" })
Event.publish("payment.done", {})
