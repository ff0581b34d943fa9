/**
 * Downloads one blob on a thread of its own (see fetchBlob, blob-fetch.ts): it makes the GETs it is sent and
 * streams their bodies into the store's BlobWriter, whose threads write and hash them. On a thread of its own,
 * the host's main thread stays free for requests however fast the bytes come (streamed-get.ts reads them
 * straight into the writer's batches). Bundled as dist/download-thread.mjs.
 */
import { parentPort, workerData } from "node:worker_threads";
import { UpstreamError } from "../errors";
import { BlobWriter } from "../store/blob-writer";
import { rangeHeader } from "./byte-range";
import type { BlobRequest, DownloadRequest, DownloadResponse, DownloadThreadData, ThreadError } from "./download-thread-protocol";
import { streamedGet, type StreamedResponse } from "./streamed-get";
import { networkReason } from "./unreachable-error";

/** Progress is told this often at most: a message per 64 KiB read would cost more than the read. */
const PROGRESS_MS = 50;

const { path } = workerData as DownloadThreadData;
const owner = parentPort!;
let bytes = 0;
let running: AbortController | undefined;

try {
  const writer = await BlobWriter.open(path);
  bytes = writer.resumedBytes;
  reply({ type: "ready", bytes });
  owner.on("message", (request: DownloadRequest) => {
    switch (request.type) {
      case "get":
        return void get(writer, request).then(reply, (error: unknown) => reply({ type: "failed", error: threadError(error) }));
      case "abort":
        return running?.abort();
      case "close":
        return void (request.complete ? writer.finish() : writer.keep().then(() => undefined)).then(
          (hex) => reply({ type: "closed", hex }),
          (error: unknown) => reply({ type: "failed", error: threadError(error) }),
        );
    }
  });
} catch (error) {
  reply({ type: "failed", error: threadError(error) });
}

/** One GET, from the bytes already in the file on; answers how it ended. */
async function get(writer: BlobWriter, request: BlobRequest): Promise<DownloadResponse> {
  const controller = (running = new AbortController());
  const offset = bytes;
  const headers = { ...request.headers, ...rangeHeader({ start: offset }) };
  try {
    const response = await streamedGet(request.server, new URL(request.url), headers, controller.signal).catch((error: unknown) => {
      throw controller.signal.aborted ? new Interruption("the download was stopped") : error;
    });
    const { status } = response;
    if (status !== 200 && status !== 206 && status !== 416)
      // The status is the answer; a body cut short only loses the detail it might have added.
      return { type: "refused", status, headers: [...response.headers], body: await response.text() };
    if (status === 416) {
      // The file already holds every byte there is; the digest check decides whether they are the right ones.
      response.close();
      return { type: "ended", bytes };
    }
    const skip = status === 200 ? offset : rangeStart(response, offset);
    return await stream(writer, response, skip, controller.signal);
  } catch (error) {
    if (error instanceof Interruption) return { type: "interrupted", bytes, message: error.message };
    throw error;
  } finally {
    running = undefined;
  }
}

/**
 * Streams the body into the writer, dropping its first `skip` bytes (a server that ignored the `Range` sends the
 * whole blob again). A cut connection or a stop is an interruption: the bytes taken so far stay for a resume.
 */
async function stream(writer: BlobWriter, response: StreamedResponse, skip: number, signal: AbortSignal): Promise<DownloadResponse> {
  let told = performance.now();
  // The last bytes before a pause are told too, once the interval is up: a stalled download shows where it stands.
  let trailing: NodeJS.Timeout | undefined;
  const tell = () => {
    clearTimeout(trailing);
    trailing = undefined;
    told = performance.now();
    reply({ type: "progress", bytes });
  };
  let storeFailure: unknown;
  try {
    // Bytes to drop are read anywhere; the rest straight into the writer's batches.
    const space = () => (skip === 0 ? writer.space() : undefined);
    await response.read((chunk) => {
      if (skip >= chunk.byteLength) return void (skip -= chunk.byteLength);
      const bytesIn = skip > 0 ? chunk.subarray(skip) : chunk;
      skip = 0;
      // The writer takes what it can at once; the rest it holds while the socket waits for the promise.
      const full = writer.write(bytesIn);
      bytes += bytesIn.byteLength;
      const since = performance.now() - told;
      if (since >= PROGRESS_MS) tell();
      else trailing ??= setTimeout(tell, PROGRESS_MS - since);
      return full?.catch((error: unknown) => {
        storeFailure = error;
        throw error;
      });
    }, space);
    return { type: "ended", bytes };
  } catch (error) {
    if (signal.aborted) return { type: "interrupted", bytes, message: "the download was stopped" };
    if (storeFailure !== undefined) throw storeFailure;
    return { type: "interrupted", bytes, message: networkReason(error) };
  } finally {
    clearTimeout(trailing);
  }
}

/** Where a 206 answer's bytes start; only the asked-for offset will do. */
function rangeStart(response: StreamedResponse, offset: number): number {
  const start = Number(/^bytes (\d+)-/.exec(response.headers.get("content-range") ?? "")?.[1] ?? Number.NaN);
  if (start === offset) return 0;
  response.close();
  throw new UpstreamError(`The server answered a request for bytes from ${offset} on with a range starting at ${start}.`, {
    fix: "Pull again; if it keeps failing, the server does not handle Range requests correctly.",
    code: "bad_range",
  });
}

class Interruption extends Error {}

function threadError(error: unknown): ThreadError {
  if (error instanceof UpstreamError) return { message: error.message, code: error.code, fix: error.fix };
  return { message: error instanceof Error ? error.message : String(error) };
}

function reply(message: DownloadResponse): void {
  owner.postMessage(message);
}
