-- client.lua: asks with a timeout; on no answer, retries after a pause that
-- doubles each time (exponential backoff, capped), with a doubled timeout
-- too; after the last attempt it gives up.
local ATTEMPTS, TIMEOUT_MS, BACKOFF_MS, MAX_BACKOFF_MS = 4, 150, 50, 400

local function ask(sku)
  local backoff = BACKOFF_MS
  for attempt = 1, ATTEMPTS do
    local reply = Event.request("stock.check", { sku = sku }, { timeout_ms = TIMEOUT_MS * 2 ^ (attempt - 1) })
    if reply then return reply, attempt end
    if attempt < ATTEMPTS then
      Event.sleep(backoff) -- waits without CPU cost
      backoff = math.min(backoff * 2, MAX_BACKOFF_MS)
    end
  end
  return nil, ATTEMPTS
end

for _, sku in ipairs({ "kettle", "teapot", "unicorn" }) do
  local reply, attempts = ask(sku)
  if reply then
    print(("%s: %d in stock (answered on attempt %d)"):format(sku, reply.data.in_stock, attempts))
  else
    print(("%s: no answer after %d attempts, giving up"):format(sku, attempts))
  end
end

-- confirmations go out by mail; mailer.js retries those itself
Event.publish("mail.send", { to = "ann@example.com", subject = "kettle reserved" })
Event.publish("mail.send", { to = "nobody@invalid", subject = "teapot sold out" })
Event.publish("client.done", {})
