import { UpstreamError } from "../errors";

/** A registry that could not be reached at all (refused, unresolvable, TLS spoken to a plain-HTTP server, …). */
export function unreachableError(registry: string, url: URL, cause: unknown): UpstreamError {
  const reason = networkReason(cause);
  const plainHttp = url.protocol === "https:" && /SSL|TLS|EPROTO|wrong version/i.test(reason);
  return new UpstreamError(`Cannot reach ${registry} at ${url.origin}: ${reason}.`, {
    fix: plainHttp
      ? `The registry speaks plain HTTP: add it to LMR_INSECURE_REGISTRIES (LMR_INSECURE_REGISTRIES=${registry}).`
      : "Check the registry's address and your network connection.",
    code: "registry_unreachable",
    cause,
  });
}

/** What went wrong on the network, as the socket said it (`ECONNRESET other side closed`, …). */
export function networkReason(error: unknown): string {
  let current: unknown = error;
  // fetch wraps the socket's error (`ECONNREFUSED`, `ENOTFOUND`, …) in a generic "fetch failed" TypeError.
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  if (current instanceof Error) {
    const code = (current as NodeJS.ErrnoException).code;
    return code && !current.message.includes(code) ? `${code} ${current.message}` : current.message;
  }
  return String(error);
}
