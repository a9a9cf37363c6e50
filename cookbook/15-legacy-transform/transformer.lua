-- transformer.lua: the events guide's legacy -> modern transformation. Each
-- `legacy.*` record becomes a `modern.*` event with typed, nested data and
-- the record it came from in its metadata. A record that cannot be
-- transformed becomes `transform.failed` or `transform.unsupported` (a dead
-- letter someone can look at), never a silent loss.

-- "05/12/2026" (day first) -> "2026-12-05"
local function iso_date(ddmmyyyy)
  local d, m, y = ddmmyyyy:match("^(%d%d)/(%d%d)/(%d%d%d%d)$")
  if not d then error("not a DD/MM/YYYY date: " .. tostring(ddmmyyyy), 0) end
  return y .. "-" .. m .. "-" .. d
end

local function number(text, field)
  local n = math.tointeger(tonumber(text))
  if n == nil then error(field .. " is not a whole number: " .. tostring(text), 0) end
  return n
end

-- legacy type -> function(data) returning the modern type and data
local transforms = {
  ["legacy.user_created"] = function(d)
    return "modern.user.created", { user_id = number(d.USER_ID, "USER_ID"), name = d.FULL_NAME, signed_up = iso_date(d.SIGNUP) }
  end,
  ["legacy.user_deleted"] = function(d)
    return "modern.user.deleted", { user_id = number(d.USER_ID, "USER_ID"), reason = d.REASON:lower() }
  end,
  ["legacy.order_placed"] = function(d)
    local cents = number(d.TOTAL_CENTS, "TOTAL_CENTS")
    return "modern.order.placed", {
      order_id = d.ORDER_NO,
      user_id = number(d.CUST, "CUST"),
      total = { amount = cents / 100, currency = d.CURRENCY:upper() },
    }
  end,
}

local sub = Event.subscribe("legacy.*")
local counts = { transformed = 0, failed = 0, unsupported = 0 }

while true do
  local event = Event.receive(sub, 60000)
  if event == nil then error("the legacy export went quiet") end
  if event.event_type == "legacy.batch_end" then break end

  local transform = transforms[event.event_type]
  local origin = { transformed_from = event.event_type, legacy_id = event.id }
  if transform == nil then
    Event.publish("transform.unsupported", { from = event.event_type, record = event.data })
    counts.unsupported = counts.unsupported + 1
  else
    local ok, new_type, new_data = pcall(transform, event.data)
    if ok then
      Event.publish(new_type, new_data, { metadata = origin })
      counts.transformed = counts.transformed + 1
    else
      Event.publish("transform.failed", { from = event.event_type, error = new_type, record = event.data })
      counts.failed = counts.failed + 1
    end
  end
end

Event.publish("transform.done", counts)
