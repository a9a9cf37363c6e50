/**
 * Pieces other rooms of crosstalk (stores, scripting, CLI, benchmarks) use
 * that are not part of the public API.
 */
export { Router } from './core/router.js';
export { RingQueue } from './core/queue.js';
export { SubscriptionImpl } from './core/subscription.js';
export { prepareDraft } from './core/draft.js';
export { parseFilters, parsePath, readPath, testCondition, jsonEqual } from './core/filter.js';
export { alternativeSource, matchSegments } from './core/pattern.js';
export { expressionPredicate, compileSubscriptionFilter } from './core/expression.js';
export { checkJson, isoNow, isUuidV4 } from './core/event.js';
export { traceEvents, renderTrace, layout as layoutTrace } from './observe/trace.js';
export { monitorBus } from './observe/monitor.js';
export { statsBy, fieldStats } from './observe/analysis.js';
export { analyze, findSequences, findAnomalies } from './observe/patterns.js';
export { causeOf } from './core/context.js';
