import type { Scheduler } from "../scheduler/scheduler";

const pollMs = 1000;

/**
 * Calls `onChange` when a model starts loading, finishes loading or goes. The scheduler has no events; a look at
 * its status each second is cheap and catches loads that HTTP requests start.
 */
export function watchEngines(scheduler: Scheduler, onChange: () => void): () => void {
  const snapshot = () => JSON.stringify(scheduler.status().map((slot) => [slot.model, slot.loading]));
  let last = snapshot();
  const timer = setInterval(() => {
    const next = snapshot();
    if (next === last) return;
    last = next;
    onChange();
  }, pollMs);
  timer.unref();
  return () => clearInterval(timer);
}
