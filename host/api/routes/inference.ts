import type { EngineName, Runner, StreamOptions } from "../../engines/engine";
import { ENGINE_NAMES } from "../../engines/engine";
import { NotFoundError, UserError } from "../../errors";
import {
  ChatCompletionRequestSchema,
  CompletionRequestSchema,
  EmbeddingsRequestSchema,
  InfillRequestSchema,
  type Timings,
  type Usage,
} from "../../protocol/openai";
import type { HostMetrics } from "../../metrics/host-metrics";
import type { Scheduler } from "../../scheduler/scheduler";
import { readBody } from "../body";
import type { ModelCatalog } from "../model-catalog";
import { type RouteContext, type Router, sendJson } from "../router";
import { SseStream } from "../sse";

/** Docker Model Runner's prefixes: `/engines/{engine}/v1` forces an engine, the others choose by model. */
const PREFIXES: { prefix: string; engine?: EngineName }[] = [
  { prefix: "/v1" },
  { prefix: "/engines/v1" },
  ...ENGINE_NAMES.map((engine) => ({ prefix: `/engines/${engine}/v1`, engine })),
];

export function inferenceRoutes(router: Router, scheduler: Scheduler, catalog: ModelCatalog, metrics: HostMetrics): void {
  for (const { prefix, engine } of PREFIXES) {
    router.on("POST", `${prefix}/chat/completions`, async (ctx) => {
      const body = await readBody(ctx.req, ChatCompletionRequestSchema);
      await serve(ctx, scheduler, metrics, body.model, engine, body.stream ?? false, (runner, options) => runner.chatCompletion(body, options));
    });
    router.on("POST", `${prefix}/completions`, async (ctx) => {
      const body = await readBody(ctx.req, CompletionRequestSchema);
      await serve(ctx, scheduler, metrics, body.model, engine, body.stream ?? false, (runner, options) => runner.completion(body, options));
    });
    router.on("POST", `${prefix}/embeddings`, async (ctx) => {
      const body = await readBody(ctx.req, EmbeddingsRequestSchema);
      await serve(ctx, scheduler, metrics, body.model, engine, false, (runner, { signal }) => runner.embeddings(body, { signal }));
    });
    router.on("GET", `${prefix}/models`, async ({ res }) => {
      sendJson(res, 200, { object: "list", data: await catalog.list(engine) });
    });
    router.on("GET", `${prefix}/models/{name+}`, async ({ res, params }) => {
      sendJson(res, 200, await catalog.get(params.name!));
    });
  }
  // llama.cpp server's route, so editor plugins built for it work unchanged.
  for (const path of ["/infill", "/engines/llama.cpp/infill", "/engines/infill"]) {
    router.on("POST", path, async (ctx) => {
      const body = await readBody(ctx.req, InfillRequestSchema);
      const model = body.model ?? onlyLoadedModel(scheduler);
      await serve(ctx, scheduler, metrics, model, "llama.cpp", body.stream, (runner, options) => runner.infill(body, options), false);
    });
  }
}

async function serve<Chunk, Result extends object>(
  { req, res, signal }: RouteContext,
  scheduler: Scheduler,
  metrics: HostMetrics,
  model: string,
  engine: EngineName | undefined,
  stream: boolean,
  run: (runner: Runner, options: StreamOptions<Chunk>) => Promise<Result>,
  doneMarker = true,
): Promise<void> {
  const lease = await scheduler.acquire(model, engine);
  try {
    if (req.headers["x-preload-only"] === "true") return sendJson(res, 200, { model: lease.model.name, loaded: true });
    if (!stream) {
      const result = await run(lease.runner, { signal });
      record(metrics, lease.model.name, result);
      return sendJson(res, 200, result);
    }
    const sse = new SseStream(res);
    record(metrics, lease.model.name, await run(lease.runner, { signal, onChunk: (chunk) => sse.send(chunk) }));
    sse.done(doneMarker);
  } finally {
    lease.release();
  }
}

function record(metrics: HostMetrics, model: string, result: object): void {
  const { usage, timings } = result as { usage?: Usage | null; timings?: Timings };
  metrics.generation(model, usage, timings);
}

function onlyLoadedModel(scheduler: Scheduler): string {
  const loaded = scheduler.status();
  if (loaded.length === 1) return loaded[0]!.model;
  if (loaded.length === 0)
    throw new NotFoundError("no model is loaded to complete with", { param: "model", fix: 'Name the model in the request ("model": "ai/qwen2.5-coder").' });
  throw new UserError("several models are loaded; the request must name one", { param: "model", fix: 'Add "model": "<name>" to the request.' });
}
