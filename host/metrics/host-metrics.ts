import type { Scheduler } from "../scheduler/scheduler";
import type { Timings, Usage } from "../protocol/openai";
import { Counter, exposition, Gauge, Histogram } from "./registry";

/** What `/metrics` reports: request and token counts, latency histograms, and the scheduler's state. */
export class HostMetrics {
  private readonly requests = new Counter("lmr_requests_total", "HTTP requests by route and status.");
  private readonly errors = new Counter("lmr_errors_total", "HTTP requests that ended in an error status, by route and status.");
  private readonly promptTokens = new Counter("lmr_prompt_tokens_total", "Prompt tokens of completed generations, by model.");
  private readonly generatedTokens = new Counter("lmr_generated_tokens_total", "Tokens generated, by model.");
  private readonly timeToFirstToken = new Histogram("lmr_time_to_first_token_seconds", "Time from a generation's start to its first token.", [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
  private readonly tokensPerSecond = new Histogram("lmr_generation_tokens_per_second", "Generation speed of each request.", [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]);
  private readonly queue: Gauge;
  private readonly loaded: Gauge;

  constructor(scheduler: Scheduler) {
    this.queue = new Gauge("lmr_requests_in_flight", "Requests running or waiting, by model.", () =>
      scheduler.status().map((slot) => ({ labels: { model: slot.model }, value: slot.inUse })),
    );
    this.loaded = new Gauge("lmr_loaded_models", "Models loaded, by engine.", () => {
      const byEngine = new Map<string, number>();
      for (const slot of scheduler.status()) byEngine.set(slot.engine, (byEngine.get(slot.engine) ?? 0) + 1);
      return [...byEngine].map(([engine, value]) => ({ labels: { engine }, value }));
    });
  }

  request(route: string, status: number): void {
    this.requests.inc({ route, status: String(status) });
    if (status >= 400) this.errors.inc({ route, status: String(status) });
  }

  generation(model: string, usage: Usage | null | undefined, timings: Timings | undefined): void {
    if (usage) {
      this.promptTokens.inc({ model }, usage.prompt_tokens);
      this.generatedTokens.inc({ model }, usage.completion_tokens);
    }
    if (timings) {
      this.timeToFirstToken.observe(timings.prompt_ms / 1000, { model });
      if (timings.predicted_ms > 0) this.tokensPerSecond.observe((timings.predicted_n / timings.predicted_ms) * 1000, { model });
    }
  }

  expose(): string {
    return exposition([this.requests, this.errors, this.promptTokens, this.generatedTokens, this.timeToFirstToken, this.tokensPerSecond, this.queue, this.loaded]);
  }
}
