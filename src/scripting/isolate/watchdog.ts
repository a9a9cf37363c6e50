/**
 * Enforces the CPU limit of running scripts: the CPU time an isolate uses
 * without waiting (see ScriptLimits.cpuLimitMs). One timer serves every
 * script; it ticks only while some isolate is running (not parked in a host
 * call), so scripts that wait cost nothing.
 */
export const CPU_CHECK_MS = 25;

/** What the watchdog asks of each script run. */
export interface Watched {
  /** true while the isolate waits in a host call (its CPU time cannot grow) */
  readonly parked: boolean;
  /** checks the script's CPU allowance and stops it when it is used up */
  checkCpu(): void;
}

const watched = new Set<Watched>();
let timer: NodeJS.Timeout | null = null;

function tick(): void {
  let running = 0;
  for (const w of watched) {
    if (w.parked) continue;
    running++;
    w.checkCpu();
  }
  if (running === 0 && timer !== null) {
    clearInterval(timer);
    timer = null;
  }
}

export function watch(w: Watched): void {
  watched.add(w);
  wake();
}

export function unwatch(w: Watched): void {
  watched.delete(w);
}

/** Some isolate runs (again): make sure the timer ticks. */
export function wake(): void {
  if (timer !== null || watched.size === 0) return;
  timer = setInterval(tick, CPU_CHECK_MS);
  timer.unref();
}
