import { connect as connectTcp, isIP, type Socket } from "node:net";
import { connect as connectTls, type ConnectionOptions } from "node:tls";
import { UpstreamError } from "../errors";
import { unreachableError } from "./unreachable-error";

/**
 * A blob download's GET, spoken as HTTP/1.1 on a socket that reads into memory it is given (Node's `onread`):
 * one reused buffer, or the reader's own. Node's HTTP clients take a new buffer for every read of the socket:
 * on a loopback pull that garbage and the fresh memory behind it cost 2 s of CPU per GiB (600-800 MiB/s,
 * measured), where reading into one buffer costs what curl does (0.2 s per GiB, 2 GiB/s).
 */
export interface StreamedResponse {
  status: number;
  headers: Headers;
  /**
   * Hands the body to `onData` as it arrives. The bytes live in the reused read buffer: they are valid until
   * `onData` returns, or until the promise it returns settles, while the socket waits. Where `space` offers
   * memory, the next read goes there instead, and `onData` gets a view of it: the bytes are read in place,
   * not copied (save the body's first, which come with the head, and a chunked body's). Resolves at the
   * body's end; rejects with the network's error, or a `TruncatedBodyError` when the connection closed first.
   */
  read(onData: OnData, space?: Space): Promise<void>;
  /** The body as text, for an answer that explains an error (its first 64 KiB). */
  text(): Promise<string>;
  close(): void;
}

/** Takes the body's next bytes; a promise makes the socket wait until it settles. */
type OnData = (bytes: Uint8Array) => Promise<void> | undefined;
/** Memory for the body's next read, or undefined for the reused read buffer. */
type Space = () => Uint8Array | undefined;

/** The connection closed before the body's end: a resumable interruption. */
export class TruncatedBodyError extends Error {}

const READ_BUFFER_BYTES = 1024 * 1024;
/** A response head larger than this is not a registry's. */
const MAX_HEAD_BYTES = 64 * 1024;
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Redirects followed, as many as `fetch` follows. */
const MAX_REDIRECTS = 20;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * `GET url`, following redirects as `fetch` does: registries and the Hub send blob downloads on to a storage
 * backend, and the `Authorization` meant for the registry is not passed on to another origin. A network
 * failure is reported as `server` being unreachable; an abort stays an abort.
 */
export async function streamedGet(server: string, url: URL, headers: Record<string, string>, signal?: AbortSignal): Promise<StreamedResponse> {
  let target = url;
  let sent = headers;
  for (let redirects = 0; ; redirects++) {
    const response = await get(server, target, sent, signal);
    const location = response.headers.get("location");
    if (!REDIRECT_STATUSES.has(response.status) || location === null) return response;
    response.close();
    if (redirects === MAX_REDIRECTS)
      throw new UpstreamError(`${server} redirected the download of ${url.pathname} more than ${MAX_REDIRECTS} times.`, {
        fix: "The server is misconfigured; ask its operator.",
        code: "too_many_redirects",
      });
    const next = new URL(location, target);
    if (next.origin !== target.origin) sent = withoutAuthorization(sent);
    target = next;
  }
}

/** How the body is delimited (RFC 9112 §6.3). */
type Framing = { type: "length"; left: number } | { type: "chunked"; decoder: ChunkedDecoder } | { type: "close" };

function get(server: string, url: URL, headers: Record<string, string>, signal: AbortSignal | undefined): Promise<StreamedResponse> {
  signal?.throwIfAborted();
  for (const [name, value] of Object.entries(headers))
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new UpstreamError(`The request header ${name} holds a line break.`, { code: "bad_header" });
  return new Promise((resolve, reject) => {
    let head: Buffer = Buffer.alloc(0);
    let response: StreamedResponse | undefined;
    let framing: Framing | undefined;
    /** Body bytes of the last read not yet handed on; the socket is paused while there are any. */
    let unread: Uint8Array | undefined;
    let reader: { onData: OnData; space: Space | undefined; resolve: () => void; reject: (error: Error) => void } | undefined;
    let waiting = false;
    let ended = false;
    let failure: Error | undefined;

    const end = () => {
      ended = true;
      socket.destroy();
      reader?.resolve();
    };
    const fail = (error: Error) => {
      failure ??= error;
      if (!response) reject(signal?.aborted ? signal.reason : unreachableError(server, url, error));
      reader?.reject(failure);
    };
    /** Hands `unread` on until it is used up or the reader asks to wait; true when the socket may read on. */
    const pump = (): boolean => {
      while (unread && reader && !ended) {
        const bytes = unread;
        unread = undefined;
        const { body, rest, done } = frame(framing!, bytes);
        unread = rest;
        const pending = body.byteLength > 0 ? reader.onData(body) : undefined;
        if (done) end();
        if (pending) {
          waiting = true;
          pending.then(
            () => {
              waiting = false;
              if (guarded(pump) && !ended) socket.resume();
            },
            (error: Error) => {
              socket.destroy();
              reader?.reject(error);
            },
          );
          return false;
        }
      }
      return unread === undefined && !waiting;
    };
    /** Runs a step that parses what the server sent: a malformed head or chunk fails the download, not the process. */
    const guarded = (step: () => boolean): boolean => {
      try {
        return step();
      } catch (error) {
        socket.destroy(error as Error);
        return false;
      }
    };
    const onRead = (length: number, buffer: Uint8Array): boolean => {
      if (ended) return false;
      if (!response) {
        head = Buffer.concat([head, buffer.subarray(0, length)]);
        const parsed = parseHead(head);
        if (!parsed) {
          if (head.byteLength > MAX_HEAD_BYTES) socket.destroy(new Error(`the response head is over ${MAX_HEAD_BYTES} bytes`));
          return true;
        }
        head = Buffer.alloc(0);
        framing = framingOf(parsed.status, parsed.headers);
        // The body's first bytes came with the head; they are a copy, so the read buffer is free again.
        unread = parsed.rest.byteLength > 0 ? parsed.rest : undefined;
        response = {
          status: parsed.status,
          headers: parsed.headers,
          read: (onData, space) =>
            new Promise<void>((resolveRead, rejectRead) => {
              if (failure) return rejectRead(failure);
              reader = { onData, space, resolve: resolveRead, reject: rejectRead };
              if (framing!.type === "length" && framing!.left === 0) return end();
              if (guarded(pump) && !ended) socket.resume();
            }),
          text: async () => {
            const pieces: Buffer[] = [];
            let size = 0;
            await response!
              .read((bytes) => {
                if (size < MAX_ERROR_BODY_BYTES) pieces.push(Buffer.from(bytes.subarray(0, MAX_ERROR_BODY_BYTES - size)));
                size += bytes.byteLength;
                return undefined;
              })
              .catch(() => undefined);
            return Buffer.concat(pieces).toString("utf8");
          },
          close: () => socket.destroy(),
        };
        resolve(response);
        // Nothing reads until the caller asks for the body.
        return false;
      }
      unread = buffer.subarray(0, length);
      return pump();
    };

    const readBuffer = new Uint8Array(READ_BUFFER_BYTES);
    /** Where the next read lands; Node asks after every read. A read never goes past a known body's end. */
    const nextBuffer = (): Uint8Array => {
      if (framing === undefined || framing.type === "chunked" || (framing.type === "length" && framing.left === 0)) return readBuffer;
      const space = reader?.space?.();
      if (space === undefined || space.byteLength === 0) return readBuffer;
      return framing.type === "length" && space.byteLength > framing.left ? space.subarray(0, framing.left) : space;
    };

    const host = url.hostname.replace(/^\[|\]$/g, "");
    const onread = { buffer: nextBuffer, callback: (length: number, buffer: Uint8Array) => guarded(() => onRead(length, buffer)) };
    // TLS sockets take `onread` too (Node 15.1+), though @types/node's ConnectionOptions does not list it.
    const tlsOptions: ConnectionOptions & { onread: typeof onread } = { host, port: Number(url.port || 443), servername: isIP(host) ? undefined : host, ALPNProtocols: ["http/1.1"], onread };
    const socket: Socket = url.protocol === "https:" ? connectTls(tlsOptions) : connectTcp({ host, port: Number(url.port || 80), onread });
    const request = [`GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`), "Connection: close", "", ""];
    socket.write(request.join("\r\n"));
    socket.on("error", fail);
    socket.on("close", () => {
      if (ended) return;
      if (framing?.type === "close") return end();
      fail(response ? new TruncatedBodyError("the connection closed before the blob's end") : new Error("the connection closed before the response"));
    });
    const abort = () => socket.destroy(signal!.reason as Error);
    signal?.addEventListener("abort", abort, { once: true });
    socket.once("close", () => signal?.removeEventListener("abort", abort));
  });
}

function parseHead(bytes: Buffer): { status: number; headers: Headers; rest: Buffer } | undefined {
  for (let start = 0; ; ) {
    const end = bytes.indexOf("\r\n\r\n", start, "latin1");
    if (end < 0) return undefined;
    const lines = bytes.toString("latin1", start, end).split("\r\n");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0]!)?.[1] ?? Number.NaN);
    if (Number.isNaN(status)) throw new UpstreamError(`The server answered with something other than HTTP/1.1: ${JSON.stringify(lines[0]!.slice(0, 80))}`, { code: "bad_response" });
    // An interim answer (100 Continue, 103 Early Hints) comes before the real one.
    if (status < 200) {
      start = end + 4;
      continue;
    }
    const headers = new Headers();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    return { status, headers, rest: bytes.subarray(end + 4) };
  }
}

function framingOf(status: number, headers: Headers): Framing {
  if (status === 204 || status === 304) return { type: "length", left: 0 };
  if (/(^|,)\s*chunked\s*$/i.test(headers.get("transfer-encoding") ?? "")) return { type: "chunked", decoder: new ChunkedDecoder() };
  const length = headers.get("content-length");
  if (length !== null && /^\d+$/.test(length)) return { type: "length", left: Number(length) };
  return { type: "close" };
}

/** Splits a read into body bytes, what is left of it to frame next, and whether the body is over. */
function frame(framing: Framing, bytes: Uint8Array): { body: Uint8Array; rest: Uint8Array | undefined; done: boolean } {
  switch (framing.type) {
    case "close":
      return { body: bytes, rest: undefined, done: false };
    case "length": {
      const body = bytes.subarray(0, framing.left);
      framing.left -= body.byteLength;
      return { body, rest: undefined, done: framing.left === 0 };
    }
    case "chunked":
      return framing.decoder.next(bytes);
  }
}

/** `Transfer-Encoding: chunked` (RFC 9112 §7.1), one piece of body at a time. */
class ChunkedDecoder {
  #state: "size" | "data" | "data-end" | "trailer" = "size";
  #line = "";
  #left = 0;

  next(bytes: Uint8Array): { body: Uint8Array; rest: Uint8Array | undefined; done: boolean } {
    let offset = 0;
    while (offset < bytes.byteLength) {
      if (this.#state === "data") {
        const body = bytes.subarray(offset, offset + this.#left);
        this.#left -= body.byteLength;
        if (this.#left === 0) this.#state = "data-end";
        offset += body.byteLength;
        return { body, rest: offset < bytes.byteLength ? bytes.subarray(offset) : undefined, done: false };
      }
      const byte = bytes[offset++]!;
      if (byte !== 0x0a) {
        this.#line += String.fromCharCode(byte);
        continue;
      }
      const line = this.#line.replace(/\r$/, "");
      this.#line = "";
      if (this.#state === "data-end") this.#state = "size";
      else if (this.#state === "size") {
        const size = Number.parseInt(line.split(";")[0]!.trim(), 16);
        if (Number.isNaN(size)) throw new UpstreamError(`The server sent a malformed chunk size: ${JSON.stringify(line.slice(0, 40))}`, { code: "bad_response" });
        this.#left = size;
        this.#state = size === 0 ? "trailer" : "data";
      } else if (line === "") return { body: new Uint8Array(0), rest: undefined, done: true };
    }
    return { body: new Uint8Array(0), rest: undefined, done: false };
  }
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== "authorization"));
}
