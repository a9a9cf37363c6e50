/**
 * crosstalk: one stream of events for Lua scripts, sandboxed JavaScript
 * scripts and host applications.
 */
export { createBus } from './core/bus.js';
export { createBatchPublisher, DEFAULT_BATCH_SIZE, DEFAULT_BATCH_WAIT_MS } from './core/batch.js';
export { parseBusConfig, parseConfig } from './core/config.js';
export { resolveRetention } from './core/retention.js';
export { createMasker, maskEvent, MASK_ACTIONS } from './core/masking.js';
export {
  DEFAULT_ACK_WAIT_MS,
  DEFAULT_BALANCE,
  DEFAULT_MAX_DELIVER,
  DEFAULT_STALL_MS,
  DEAD_LETTER_PREFIX,
} from './core/group-options.js';
export { DEFAULT_RETRY, DEFAULT_BREAKER } from './core/handler-options.js';
export { HANDLER_EVENT_PREFIX } from './core/handler.js';
export { CrosstalkError, ERROR_CODES, isCrosstalkError } from './core/errors.js';
export { compilePattern, isValidPattern, matchPattern } from './core/pattern.js';
export { compileFilter } from './core/filter.js';
export { compileExpression, parseExpression } from './core/expression.js';
export { normalizeQuery } from './core/query.js';
export { openStore, parseStoreSpec, DEFAULT_STORE_SPEC } from './store/open.js';
export { openSqliteStore } from './store/sqlite.js';
export { createMemoryStore } from './store/memory.js';
export { replay } from './store/replay.js';
export { historyOf } from './store/history.js';
export { runScripts, scriptFile } from './scripting/host.js';
export { connectNats } from './transport/nats.js';
export { openJetStreamStore } from './transport/jetstream-store.js';
export { createMetrics, DEFAULT_METRICS_OPTIONS } from './observe/metrics.js';
export { serveMetrics, metricsHandler } from './observe/http.js';
export { serveDashboard, DEFAULT_DASHBOARD_OPTIONS } from './observe/dashboard/server.js';
export { parseBusUrl } from './transport/url.js';
export {
  DEFAULT_NATS_PREFIX,
  DEFAULT_NATS_STREAM,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_ACK_TIMEOUT_MS,
  DEFAULT_MAX_RECONNECT_ATTEMPTS,
  DEFAULT_RECONNECT_TIME_WAIT_MS,
  DEFAULT_RECONNECT_BUFFER,
  DEFAULT_MAX_PENDING_ACKS,
} from './transport/options.js';
export { DEFAULT_SCRIPT_LIMITS } from './scripting/engine.js';
export { assertEventType, isValidEventType, EVENT_VERSION, PRIORITIES } from './core/event.js';
export {
  DEFAULT_BACKPRESSURE,
  DEFAULT_MAX_QUEUE_SIZE,
  DEFAULT_BLOCK_TIMEOUT_MS,
  DEFAULT_RECEIVE_TIMEOUT_MS,
  DEFAULT_ORDERING,
  DEFAULT_DEDUP_WINDOW_MS,
  DEFAULT_DEDUP_MAX_IDS,
  DEFAULT_MAX_RETAINED,
} from './core/options.js';

export type { ErrorCode, ErrorDetails } from './core/errors.js';
export type { UniversalEvent, EventSource, JsonValue, JsonObject, Priority, Language } from './core/event.js';
export type { CompiledPattern } from './core/pattern.js';
export type { Expression, TimeRef, CompareOp } from './core/expression.js';
export type { BusOptions, Ordering } from './core/options.js';
export type { BatchFlushResult, BatchPublisher, BatchPublisherOptions, BatchStats } from './core/batch.js';
export type { BusConfig, CrosstalkConfig } from './core/config.js';
export type { Age, RetentionOptions } from './core/retention.js';
export type { Masker, MaskAction, MaskRule } from './core/masking.js';
export type { CompactProgress, CompactReport } from './store/compact.js';
export type { Balance } from './core/group-options.js';
export type { BreakerOptions, RetryOptions } from './core/handler-options.js';
export type {
  InterceptedEvent,
  InterceptKey,
  InterceptorInfo,
  InterceptorSpec,
  InterceptorStats,
  InterceptorType,
  InterceptorVerdict,
  RatePer,
} from './core/interceptors.js';
export type { StoreStats, ExtendedEventStore, RetentionStats, SweepReport } from './store/types.js';
export type { ReplaySpec, ReplayOptions } from './store/replay.js';
export type { RunScriptsOptions } from './scripting/host.js';
export type { PermissionRule, ScriptPermissions } from './core/permissions.js';
export type { NatsOptions } from './transport/options.js';
export type { JetStreamStoreOptions, StreamStore } from './transport/jetstream-store.js';
export type { Metrics, MetricsOptions } from './observe/metrics.js';
export type { MetricsServer } from './observe/http.js';
export type { Dashboard, DashboardOptions, ClientEvent as DashboardClientEvent } from './observe/dashboard/server.js';
export type { ScriptStats, ScriptStatsProvider } from './core/observer.js';
export type { PublishCause } from './core/context.js';
export type { BusUrl } from './transport/url.js';
export type { ScriptFile, ScriptLimits, ScriptOutput, ScriptResult, ScriptFailure, ScriptLanguage } from './scripting/engine.js';
export type {
  AckTarget,
  Backpressure,
  BreakerState,
  Bus,
  BusStats,
  BusStatus,
  EventHandler,
  EventInit,
  EventQuery,
  EventStore,
  FilterOp,
  FilterSpec,
  GroupStats,
  HandlerStats,
  NakOptions,
  Order,
  PublisherIdentity,
  PublishOptions,
  ReceiveBatchOptions,
  SubscribeOptions,
  Subscription,
  SubscriptionInfo,
  SubscriptionStats,
  Transport,
  TransportPeer,
  TransportStats,
} from './core/types.js';
