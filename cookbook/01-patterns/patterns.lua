-- patterns.lua: every form of the pattern grammar (README "Patterns"),
-- each subscribed once and shown with the event types it receives.

local TYPES = {
  "agent", "agent.started", "agent.1.started", "agent.execution.started",
  "error", "db.error", "db.pool.error", "execute", "v7", "vx",
  "tool.started", "a.b.done", "c.x.done", "tenant:1.login",
}

local PATTERNS = {
  "agent.started",          -- a plain type: exactly that type
  "agent.*",                -- * as a segment: exactly one segment
  "agent.**",               -- ** as a segment: zero or more segments
  "**.error",               -- ** first: any prefix, none included
  "exec*",                  -- * inside a segment: any run of characters
  "agent.?.started",        -- ?: one character
  "v[0-9]",                 -- a class of characters
  "v[!0-9]",                -- a negated class
  "{agent,tool}.started",   -- alternatives
  "{a.b,c.*}.done",         -- alternatives may hold dots and wildcards
  "tenant\\:1.*",           -- \x: x literally (here the ':')
  { "agent.*", "agent.**" }, -- several patterns: an event arrives once
}

local subs = {}
for i, p in ipairs(PATTERNS) do subs[i] = Event.subscribe(p) end

-- one script alone: each publish is in every matching queue before the next Event call
for _, t in ipairs(TYPES) do Event.publish(t, { type = t }) end

for i, p in ipairs(PATTERNS) do
  local got = {}
  for _, e in ipairs(Event.receive_batch(subs[i], { timeout_ms = 0 })) do got[#got + 1] = e.event_type end
  local shown = type(p) == "table" and table.concat(p, " + ") or p
  print(("%-22s %s"):format(shown, #got > 0 and table.concat(got, " ") or "(nothing)"))
end

-- a pattern outside the grammar is refused when subscribing, with its code
for _, bad in ipairs({ "a..b", "order.[paid", "a**", "***", "[z-a]" }) do
  local ok, err = pcall(Event.subscribe, bad)
  print(("%-22s %s"):format(bad, ok and "accepted?" or err.code))
end
