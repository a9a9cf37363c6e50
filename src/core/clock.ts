/**
 * Wall-clock time read at most once per task. Reading the clock costs
 * 70–150 ns on the virtual machines crosstalk is measured on, more than
 * handing an event to a work-queue member; a publish loop hands out a
 * thousand events in one task, and they may share one reading. The value
 * is at most as old as the task that is running: the next task (or
 * microtask) reads the clock again.
 */
let cached = 0;
let valid = false;
const expire = (): void => {
  valid = false;
};

/** Date.now(), as read first in the current task. */
export function taskNow(): number {
  if (!valid) {
    cached = Date.now();
    valid = true;
    queueMicrotask(expire);
  }
  return cached;
}
