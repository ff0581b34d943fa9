/**
 * A runner process: one loaded model, serving the host over Node IPC. It is a process of its own
 * so that a crash in native code or a bad model file costs this model, not the host. The host
 * starts it with UV_THREADPOOL_SIZE=1 (see host/engines/llamacpp/runner-process.ts).
 */
import { isLmrError } from "../../../errors";
import { HostToRunnerSchema, type RunnerErrorPayload, type RunnerRequest, type RunnerResult, type GeneratedPiece } from "../../../protocol/runner";
import { chatCompletion } from "./chat";
import { infill, textCompletion } from "./completion";
import { embeddings } from "./embeddings";
import type { Emit } from "./generate";
import { loadModel, type LoadedModel } from "./loaded-model";
import { send } from "./log";

let loaded: LoadedModel | undefined;
const inFlight = new Map<number, AbortController>();

process.on("message", (raw) => {
  const message = HostToRunnerSchema.parse(raw);
  switch (message.type) {
    case "load":
      loadModel(message.options).then(
        (model) => {
          loaded = model;
          send({ type: "loaded", info: model.info });
        },
        (error) => send({ type: "load-failed", error: toPayload(error) }),
      );
      break;
    case "request":
      serve(message.request, message.stream);
      break;
    case "cancel":
      inFlight.get(message.id)?.abort();
      break;
  }
});
process.on("disconnect", () => process.exit(0));

/** How long later text gathers before it goes (see `serve`). */
const GATHER_MS = 20;

/** `stream`: the host wants the text as it comes; otherwise only the result, with no message per token. */
async function serve(request: RunnerRequest, stream: boolean): Promise<void> {
  const controller = new AbortController();
  inFlight.set(request.id, controller);
  // On llama.cpp built here (OpenMP keeps ggml's thread team alive between decodes), the first text goes at
  // once: 3-5 ms sooner to the client than after a 1 ms timer, and generation no slower (2 cores, 12-14
  // interleaved rounds of both against llama-server). On node-llama-cpp's prebuilt binary it waits a
  // millisecond, until the next decode is under way: that binary starts a ggml worker thread for every decode,
  // and when the host and its client woke to this text at that same moment, on a machine whose cores the
  // decode's threads fill, the new thread often landed on a busy core and the whole token took twice as long
  // (traced on 2 cores: 45-120 tok/s, decodes of 8-21 ms, sent at once; 89-115 tok/s, 8.7-10.6 ms, sent 1 ms
  // later).
  // Later text gathers for 20 ms and goes in one message, each token's text still its own chunk for the
  // client, which the host writes in one go: every wake-up of this runner's main thread, the host and the
  // client takes a core from the decode's threads, and they wait for each other at every step of the graph.
  // Measured on 2 cores, 20 interleaved generations of 128 tokens (llama-server = 1): a message per token
  // 0.956x, one per 20 ms 1.021x. A person reading the stream cannot tell 20 ms bursts from single tokens.
  const firstSendAtOnce = loaded?.info.build === "local";
  let pieces: GeneratedPiece[] = [];
  let sent = false;
  const flush = () => {
    if (pieces.length > 0) send({ type: "delta", id: request.id, pieces });
    pieces = [];
  };
  const emit: Emit = (text, logprob) => {
    if (!stream || (!text && !logprob)) return;
    pieces.push(logprob ? { text, logprob } : { text });
    if (!sent && firstSendAtOnce) flush();
    else if (pieces.length === 1) setTimeout(flush, sent ? GATHER_MS : 1);
    sent = true;
  };
  try {
    if (!loaded) throw new Error("the runner received a request before its model loaded");
    const result = await handle(loaded, request, emit, controller.signal);
    flush();
    send({ type: "done", id: request.id, result });
  } catch (error) {
    send({ type: "failed", id: request.id, error: toPayload(error) });
  } finally {
    inFlight.delete(request.id);
  }
}

function handle(model: LoadedModel, request: RunnerRequest, emit: Emit, signal: AbortSignal): Promise<RunnerResult> {
  switch (request.kind) {
    case "chat":
      return chatCompletion(model, request.body, emit, signal);
    case "completion":
      return textCompletion(model, request.body, emit, signal);
    case "infill":
      return infill(model, request.body, emit, signal);
    case "embeddings":
      return embeddings(model, request.body);
  }
}

function toPayload(error: unknown): RunnerErrorPayload {
  if (isLmrError(error))
    return {
      errorClass: error.status === 413 ? "PayloadTooLargeError" : error.status < 500 ? "UserError" : "EngineError",
      message: error.message,
      fix: error.fix,
      param: error.param,
      code: error.code,
    };
  return { errorClass: "EngineError", message: error instanceof Error ? error.message : String(error) };
}
