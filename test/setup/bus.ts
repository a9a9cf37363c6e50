/**
 * Tests of crosstalk's own internals reach the bus class directly; host
 * applications get the `Bus` interface from createBus().
 */
import { BusImpl } from '../../src/core/bus.js';
import type { BusOptions } from '../../src/core/options.js';

export { BusImpl };

/** A bus with its internals visible (the class `createBus()` hides behind `Bus`). */
export function createBus(options?: BusOptions): BusImpl {
  return new BusImpl(options);
}
