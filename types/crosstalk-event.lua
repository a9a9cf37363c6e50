---@meta
-- Generated from src/scripting/event-api.ts by `crosstalk types`; do not edit (docs/scripts.md "Editor support").
-- The globals of a crosstalk Lua script, for lua-language-server. The sandbox also has print, string, table, math,
-- utf8, coroutine and os.time/clock/date/difftime; io, debug, package, require, dofile and loadfile are absent.

---@alias crosstalk.ErrorCode "INVALID_EVENT_TYPE"|"INVALID_PATTERN"|"INVALID_DATA"|"PAYLOAD_TOO_LARGE"|"INVALID_OPTION"|"INVALID_QUERY"|"QUEUE_FULL"|"BLOCK_TIMEOUT"|"UNKNOWN_SUBSCRIPTION"|"STORE_UNAVAILABLE"|"BUS_UNAVAILABLE"|"SCRIPT_TIMEOUT"|"SCRIPT_MEMORY"|"SCRIPT_ERROR"|"NOT_FOUND"|"RATE_LIMITED"|"INTERCEPTOR_FAILED"|"RETAIN_LIMIT"|"NO_RESPONDERS"|"DURABLE_IN_USE"|"PERMISSION_DENIED"

---What pcall returns when an Event call fails: tostring(err) is "CODE: message" (docs/scripts.md "Errors").
---@class crosstalk.Error
---@field code crosstalk.ErrorCode what went wrong
---@field message string the explanation
---@field pattern? string the pattern that failed to compile
---@field event_type? string the event type that was rejected
---@field event_id? string the event the failure is about
---@field subscription_id? string the subscription the call named
---@field option? string the option or query field at fault
---@field path? string the path of the bad value, e.g. data.items[3]

---An event, as every language and the store see it (docs/event-api.md "Events").
---@class crosstalk.Event
---@field id string UUID v4
---@field event_type string dot-separated segments, e.g. "order.paid"
---@field timestamp string ISO-8601 UTC with milliseconds, set at publish
---@field version string "1.0"
---@field sequence integer strictly increasing per bus
---@field source crosstalk.Source who published it
---@field data any the payload (nil/null when none was given)
---@field metadata table<string, any> free JSON object ({} by default)
---@field priority "critical"|"high"|"normal"|"low" critical, high, normal or low
---@field ttl_seconds? integer only on persisted events

---Who published an event: a script's source.component is its file name.
---@class crosstalk.Source
---@field component string the publisher: a script file name, the host app, crosstalk
---@field instance_id string fresh per run of a script
---@field correlation_id? string ties the events of one piece of work together
---@field language string lua, javascript, host…

---The table form of publish: the event type, its data and the publish options in one table.
---@class crosstalk.EventInit
---@field event_type string the event type, e.g. "order.paid"
---@field data? any the payload
---@field id? string a UUID v4 you chose (else the bus makes one); a recent duplicate is not delivered again
---@field source? crosstalk.SourceInit parts of source to set
---@field persistent? boolean store the event (needs a store)
---@field ttl_seconds? integer life of a stored event in seconds (>= 1); implies persistent
---@field correlation_id? string recorded as source.correlation_id
---@field priority? "critical"|"high"|"normal"|"low" delivery priority (default "normal")
---@field metadata? table<string, any> any JSON object
---@field language? string recorded in source.language
---@field retain? boolean keep as its type's retained event; empty data clears it

---The parts of source a publisher may set.
---@class crosstalk.SourceInit
---@field component? string the publisher
---@field instance_id? string the publisher instance
---@field correlation_id? string the correlation id
---@field language? string the language

---Options of publish, reply, request and schedule (docs/event-api.md "Publishing"). Unknown keys are INVALID_OPTION.
---@class crosstalk.PublishOptions
---@field persistent? boolean store the event (needs a store)
---@field ttl_seconds? integer life of a stored event in seconds (>= 1); implies persistent
---@field correlation_id? string recorded as source.correlation_id
---@field priority? "critical"|"high"|"normal"|"low" delivery priority (default "normal")
---@field metadata? table<string, any> any JSON object
---@field language? string recorded in source.language
---@field retain? boolean keep as its type's retained event; empty data clears it

---Options of subscribe (docs/event-api.md "Subscribing"). Unknown keys are INVALID_OPTION.
---@class crosstalk.SubscribeOptions
---@field backpressure? "drop_oldest"|"drop_newest"|"block"|"reject" what a full queue does (default "drop_oldest")
---@field max_queue_size? integer 1 … 10,000,000 (default 10000)
---@field block_timeout_ms? number how long a publisher waits on a full "block" queue (default 5000)
---@field filter? table<string, any>|string|fun(event: crosstalk.Event): boolean a predicate table (path → value or {op, value}) or a filter expression, checked before queueing; or a function called at receive time
---@field from_sequence? integer catch-up: stored events after this sequence first, then live ones (needs a store)
---@field from_time? string|number catch-up: stored events from this time first, then live ones (needs a store)
---@field ordering? "priority"|"publish" "priority" (default): critical first; "publish": publish order only
---@field retained? boolean receive the retained events the patterns match first (default true)
---@field group? string join the work queue of this name: each event goes to one member
---@field balance? "round_robin"|"least_loaded"|"weighted" how the group picks a member (default "round_robin")
---@field weight? integer this member's share under "weighted", 1–1000 (default 1)
---@field ack? boolean events stay pending until acknowledged (default false)
---@field ack_wait_ms? number an unacknowledged event goes to another member after this long (default 30000)
---@field max_deliver? integer deliveries before an event goes to crosstalk.dead_letter.<group> (default 5)
---@field stall_ms? number a member that took nothing queued for this long gets no new events (default 5000)
---@field concurrency? integer handler subscriptions: events handled at once (default 1)
---@field retry? crosstalk.RetryOptions|boolean handler subscriptions: calls per event and backoff; false = one call
---@field breaker? crosstalk.BreakerOptions|boolean handler subscriptions: the circuit breaker; false = none
---@field durable? string a named subscription whose queue outlives the script (1–128 letters, digits, _ . : -)

---A handler subscription's retries (docs/coordination.md "Handler subscriptions").
---@class crosstalk.RetryOptions
---@field attempts? integer calls per event, the first included (default 3)
---@field backoff_ms? number wait before the second call; doubles each time (default 100)
---@field max_backoff_ms? number the longest wait between calls (default 10000)

---A handler subscription's circuit breaker.
---@class crosstalk.BreakerOptions
---@field failure_threshold? integer consecutive failed calls that open the circuit (default 5)
---@field reset_ms? number how long it stays open before one trial call (default 30000)
---@field success_threshold? integer successful trial calls that close it again (default 1)

---What a handler is told besides the event.
---@class crosstalk.HandlerInfo
---@field attempt integer 1 on the first call for this event

---Options of receive_batch.
---@class crosstalk.ReceiveBatchOptions
---@field max_events? integer at most this many events (default 100)
---@field timeout_ms? number wait for the first event at most this long (default 1000; 0 polls)

---Which stored events to read (docs/persistence.md "Query"). Unknown fields are INVALID_QUERY.
---@class crosstalk.Query
---@field event_type? string a pattern: "order.*", "agent.**", "{a,b}.started"
---@field start_time? string|number inclusive; ISO-8601 or epoch ms
---@field end_time? string|number inclusive; ISO-8601 or epoch ms
---@field correlation_id? string source.correlation_id equals
---@field source? string source.component equals
---@field filters? table<string, any> path → condition: {op, value}, [op, value], or a plain value (equality)
---@field where? string a filter expression: "data.amount > 100 AND type LIKE 'order.*'"
---@field now? string|number what now means in where (default: when the query was validated)
---@field after_sequence? integer only events with a greater sequence: the paging cursor
---@field limit? integer 1 … 10000 (default 100); in a replay, at most this many in all
---@field order? "asc"|"desc" by sequence (default "asc")

---Which stored events to re-publish, and how (docs/persistence.md "Replay").
---@class crosstalk.Replay: crosstalk.Query
---@field speed? number spacing = original gaps ÷ speed (default 1; 0 = no waiting)
---@field checkpoint? string a name: start after the last event replayed under it, and record progress

---Options of request: how long to wait, and the publish options.
---@class crosstalk.RequestOptions: crosstalk.PublishOptions
---@field timeout_ms? number how long to wait for the reply (default 5000)

---Options of schedule: when, and the publish options.
---@class crosstalk.ScheduleOptions: crosstalk.PublishOptions
---@field delay_ms? number publish after this long (default 0, or every_ms when that is given)
---@field every_ms? number then again every this long, until cancelled

---Options of nak.
---@class crosstalk.NakOptions
---@field delay_ms? number redeliver after this long instead of at once (default 0)

---A subscription handle; its id string is accepted wherever a handle is.
---@class crosstalk.Subscription
---@field id string the subscription id
---@field patterns string[] the patterns it was made with
local Subscription = {}

---Closes a subscription (idempotent); waiting receivers get nil/null.
---@return boolean # true when it was open
function Subscription:unsubscribe() end

---Acknowledges an event of a work queue with ack = true.
---@param event crosstalk.Event|string the event received from an ack group, or its id
---@return boolean # true once; false when it was not pending
function Subscription:ack(event) end

---Gives an event of a work queue back for redelivery (to another member when there is one).
---@param event crosstalk.Event|string the event received from an ack group, or its id
---@param options? crosstalk.NakOptions delay_ms before it is redelivered
---@return boolean # true when it was pending
function Subscription:nak(event, options) end

---Zeroes a subscription's counters (what is queued stays counted as received).
function Subscription:reset_stats() end

---One of list_subscriptions.
---@class crosstalk.SubscriptionInfo
---@field id string the subscription id
---@field patterns string[] its patterns
---@field pattern string the first pattern
---@field queue_size integer events queued now
---@field max_queue_size integer its queue limit
---@field backpressure "drop_oldest"|"drop_newest"|"block"|"reject" what a full queue does
---@field group? string the work queue it is a member of
---@field handler? boolean true on handler subscriptions

---What happened to the events of one subscription (total_received = delivered + filtered + dropped + reassigned + queue_size).
---@class crosstalk.SubscriptionStats
---@field total_received integer events that reached the subscription
---@field delivered integer events handed to the script
---@field dropped integer events lost to backpressure
---@field rejected integer publishes refused because the queue was full (reject)
---@field blocked integer publishes that waited for room (block)
---@field filtered integer events the filter refused
---@field queue_size integer events queued now
---@field high_water integer the most ever queued
---@field failed integer handler failures after every retry, naks, ack waits that ran out
---@field full integer times a full queue met an event
---@field acked integer ack groups: acknowledgements
---@field unacked integer ack groups: taken, not yet acknowledged
---@field reassigned integer group members: queued events that went to another member
---@field handler? crosstalk.HandlerStats handler subscriptions

---A handler subscription's figures.
---@class crosstalk.HandlerStats
---@field succeeded integer events handled without failure
---@field failed integer events whose every attempt failed
---@field retries integer calls after a failed one
---@field running integer events being handled now
---@field breaker "closed"|"open"|"half_open" the circuit breaker state
---@field breaker_opened integer times the breaker opened

---Bus-wide counters.
---@class crosstalk.BusStats
---@field published integer events published
---@field delivered integer events delivered to subscriptions
---@field dropped integer events lost to backpressure
---@field rejected integer publishes refused by a full reject queue
---@field blocked integer publishes that waited on a full block queue
---@field block_timeouts integer publishes that waited too long
---@field filtered integer events refused by filters
---@field persisted integer events stored
---@field subscriptions integer live subscriptions
---@field queued integer events queued now
---@field sequence integer the last sequence number
---@field route_cache_size integer event types whose routes are cached
---@field duplicates integer publishes of an id seen lately
---@field retained integer event types with a retained event
---@field intercepted crosstalk.InterceptedStats what the interceptor chain did
---@field groups crosstalk.GroupTotals work queues, over every group
---@field subscriptions_collected integer subscriptions removed because their handle was collected
---@field transport? table<string, any> present when the bus is joined to other processes

---What the interceptor chain did.
---@class crosstalk.InterceptedStats
---@field blocked integer publishes blocked
---@field rate_limited integer publishes refused by a rate limit
---@field modified integer events changed
---@field transformed integer events transformed

---Work queue figures over every group.
---@class crosstalk.GroupTotals
---@field pending integer handed out, not acknowledged
---@field acked integer acknowledged
---@field redelivered integer deliveries after the first
---@field dead_lettered integer sent to the dead-letter type

---The figures of one work queue (docs/coordination.md "Work queues").
---@class crosstalk.GroupStats
---@field name string the group name
---@field patterns string[] the group's patterns
---@field members integer members now
---@field balance "round_robin"|"least_loaded"|"weighted" how it picks a member
---@field ack boolean whether events wait for acknowledgement
---@field delivered integer events handed to a member
---@field pending integer handed out, not yet acknowledged
---@field acked integer acknowledged
---@field redelivered integer deliveries after the first
---@field naks integer events given back
---@field dead_lettered integer events sent to crosstalk.dead_letter.<group>
---@field dropped integer events that met a group whose every member was full
---@field filtered integer events no member's filter accepted
---@field waiting integer events waiting for a member

---What receive_any returns.
---@class crosstalk.Received
---@field event crosstalk.Event the event
---@field subscription crosstalk.Subscription the subscription it came from

---The bus, as every script sees it (docs/scripts.md "The `Event` API").
---@class crosstalk.EventApi
Event = {}

---Publishes an event to every matching subscription; waits only while a `block` queue it targets is full.
---@param event_type string the event type, e.g. "order.paid"
---@param data? any the payload: any JSON value (nil/null when left out)
---@param options? crosstalk.PublishOptions persistent, ttl_seconds, correlation_id, priority, metadata, language, retain
---@return string # the event id
---@overload fun(event: crosstalk.EventInit): string
function Event.publish(event_type, data, options) end

---Subscribes to the events whose type matches a pattern; read them with receive, receive_batch or receive_any.
---@param patterns string|string[] a pattern ("order.*", "agent.**", "{a,b}.done") or a list of them
---@param options? crosstalk.SubscribeOptions backpressure, max_queue_size, filter, durable, group, …
---@return crosstalk.Subscription # the subscription handle
---@overload fun(patterns: string|string[], handler: fun(event: crosstalk.Event, info: crosstalk.HandlerInfo): any, options?: crosstalk.SubscribeOptions): crosstalk.Subscription
function Event.subscribe(patterns, options) end

---Waits for the next event of a subscription, without blocking the host.
---@param subscription crosstalk.Subscription|string a subscription handle, or its id
---@param timeout_ms? number how long to wait, in ms (default 5000; 0 polls)
---@return crosstalk.Event|nil # the event, or nil/null on timeout or when the subscription is closed
function Event.receive(subscription, timeout_ms) end

---Waits for the first event, then takes whatever else is queued, up to max_events, in order.
---@param subscription crosstalk.Subscription|string a subscription handle, or its id
---@param options? crosstalk.ReceiveBatchOptions max_events (default 100), timeout_ms (default 1000)
---@return crosstalk.Event[] # the events (empty on timeout)
function Event.receive_batch(subscription, options) end

---Reads stored events matching every field of the query (needs a store: crosstalk run --store).
---@param query? crosstalk.Query event_type, start_time, end_time, correlation_id, source, filters, where, after_sequence, limit, order
---@return crosstalk.Event[] # the matching stored events
function Event.query(query) end

---Re-publishes stored events matching the query fields, spaced as they were divided by speed (needs a store).
---@param replay? crosstalk.Replay query fields plus speed and checkpoint
---@return integer # how many events were replayed
function Event.replay(replay) end

---Lists the script's own subscriptions.
---@return crosstalk.SubscriptionInfo[] # one entry per live subscription
function Event.list_subscriptions() end

---What happened to the events of one subscription: delivered, dropped, filtered, queued…
---@param subscription crosstalk.Subscription|string a subscription handle, or its id
---@return crosstalk.SubscriptionStats # the counters
function Event.subscription_stats(subscription) end

---Closes a subscription (idempotent); waiting receivers get nil/null.
---@param subscription crosstalk.Subscription|string a subscription handle, or its id
---@return boolean # true when it was open
function Event.unsubscribe(subscription) end

---Closes the script's subscriptions that hold a pattern.
---@param pattern string closes every one of the script's subscriptions holding this pattern
---@return integer # how many were closed
function Event.unsubscribe_pattern(pattern) end

---The bus-wide counters.
---@return crosstalk.BusStats # published, delivered, dropped, … since the bus started
function Event.get_stats() end

---Waits without CPU cost and without blocking the host (Lua: also os.execute("sleep N")).
---@param ms number milliseconds, 0 to 2^31 - 1
function Event.sleep(ms) end

---Waits for the first event of several subscriptions (in the order given when several have one).
---@param subscriptions (crosstalk.Subscription|string)[] up to 64 subscriptions (handles or ids)
---@param timeout_ms? number how long to wait, in ms (default 5000; 0 polls)
---@return crosstalk.Received|nil # {event, subscription}, or nil/null on timeout or when all are closed
function Event.receive_any(subscriptions, timeout_ms) end

---Publishes a request and waits for the first reply; NO_RESPONDERS at once when nothing subscribes to the type.
---@param event_type string the event type, e.g. "order.paid"
---@param data? any the payload: any JSON value (nil/null when left out)
---@param options? crosstalk.RequestOptions timeout_ms (default 5000) and the publish options
---@return crosstalk.Event|nil # the reply event, or nil/null on timeout
function Event.request(event_type, data, options) end

---Answers a request event (INVALID_OPTION for an event that asked nothing).
---@param request crosstalk.Event the request event being answered
---@param data? any the payload: any JSON value (nil/null when left out)
---@param options? crosstalk.PublishOptions the publish options
---@return string # the reply event id
function Event.reply(request, data, options) end

---Publishes later (delay_ms) and/or every every_ms until cancelled or the script ends.
---@param event_type string the event type, e.g. "order.paid"
---@param data? any the payload: any JSON value (nil/null when left out)
---@param options? crosstalk.ScheduleOptions delay_ms, every_ms and the publish options
---@return string # the schedule id, for cancel
function Event.schedule(event_type, data, options) end

---Cancels a schedule.
---@param schedule string the id schedule returned
---@return boolean # true once; false when it had ended or was cancelled
function Event.cancel(schedule) end

---Runs fn so that every event it publishes or requests carries the correlation id.
---@param correlation_id string recorded as source.correlation_id of every event published inside
---@param fn fun(): any the function to run
---@return any # what fn returns
function Event.with_correlation(correlation_id, fn) end

---Acknowledges an event of a work queue with ack = true.
---@param event crosstalk.Event|string the event received from an ack group, or its id
---@return boolean # true once; false when it was not pending
function Event.ack(event) end

---Gives an event of a work queue back for redelivery (to another member when there is one).
---@param event crosstalk.Event|string the event received from an ack group, or its id
---@param options? crosstalk.NakOptions delay_ms before it is redelivered
---@return boolean # true when it was pending
function Event.nak(event, options) end

---The retained events whose type the patterns match.
---@param patterns? string|string[] a pattern or a list of them (default: every type)
---@return crosstalk.Event[] # one event per retained type
function Event.retained(patterns) end

---The figures of one work queue.
---@param group string the work queue name
---@return crosstalk.GroupStats # members, delivered, pending, acked, …
function Event.group_stats(group) end

---The figures of every work queue.
---@return crosstalk.GroupStats[] # one entry per group
function Event.list_groups() end

---Zeroes a subscription's counters (what is queued stays counted as received).
---@param subscription? crosstalk.Subscription|string a subscription handle or its id (default: all of the script's)
function Event.reset_stats(subscription) end

---JSON text and back, with the rules of event data: JSON.decode(JSON.encode(t)) is what a subscriber would receive.
JSON = {}

---Encodes a value as JSON text.
---@param value any
---@return string
function JSON.encode(value) end

---Decodes JSON text (INVALID_DATA when it is not JSON).
---@param text string
---@return any
function JSON.decode(text) end

---The command-line arguments after `--` (`crosstalk run job.lua -- a b`): arg[0] is the script, arg[1]… the arguments; also the chunk's `...`.
---@type string[]
arg = {}

---The sandbox has no shell: only "sleep N" (N seconds, decimals allowed) runs, waiting as Event.sleep does; other commands raise SCRIPT_ERROR.
---@param command? string "sleep N"
---@return boolean|nil ok true after the sleep; false for os.execute() (no shell)
---@return string|nil kind "exit"
---@return integer|nil code 0
function os.execute(command) end
