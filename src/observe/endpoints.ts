/**
 * What `crosstalk run --metrics ADDR --dashboard ADDR` starts beside the
 * scripts: the Prometheus endpoint and the live dashboard of the run's bus.
 * Addresses are checked when the flags are read (`planEndpoints`), so a bad
 * one stops the run before anything starts; a port in use is found when
 * listening, before any script runs.
 */
import type { Bus } from '../core/types.js';
import { parseListenAddress, serveMetrics, type ListenAddress } from './http.js';
import { createMetrics } from './metrics.js';

export interface EndpointPlan {
  metrics?: ListenAddress;
  dashboard?: ListenAddress;
}

export interface RunningEndpoints {
  close(): Promise<void>;
}

/** Reads `--metrics` / `--dashboard` values (INVALID_OPTION naming the flag). */
export function planEndpoints(args: { metrics?: unknown; dashboard?: unknown }): EndpointPlan {
  const plan: EndpointPlan = {};
  for (const flag of ['metrics', 'dashboard'] as const) {
    const v = args[flag];
    if (v === undefined) continue;
    if (Array.isArray(v)) parseListenAddress(v.join(' and '), flag); // throws: given twice
    plan[flag] = parseListenAddress(v, flag);
  }
  return plan;
}

/**
 * Starts what `plan` asks for on `bus`; `say` gets one line per endpoint
 * with its URL. On failure nothing is left listening.
 */
export async function startEndpoints(bus: Bus, plan: EndpointPlan, say: (line: string) => void): Promise<RunningEndpoints> {
  const closers: (() => unknown)[] = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c();
  };
  try {
    if (plan.metrics !== undefined) {
      const metrics = createMetrics(bus, { defaultMetrics: true });
      closers.push(() => metrics.close());
      const server = await serveMetrics(metrics, plan.metrics, 'metrics');
      closers.push(() => server.close());
      say(`metrics at ${server.url}/metrics`);
    }
    if (plan.dashboard !== undefined) {
      // the page and the WebSocket library load only when asked for
      const { serveDashboard } = await import('./dashboard/server.js');
      const dashboard = await serveDashboard(bus, plan.dashboard, {
        option: 'dashboard',
        onClient: (e) => e.kind === 'slow' && say(`dashboard disconnected ${e.address}: it stopped reading`),
      });
      closers.push(() => dashboard.close());
      say(`dashboard at ${dashboard.url}/`);
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { close };
}
