import type { IncomingMessage } from "node:http";
import { timingSafeEqual } from "node:crypto";
import { AuthenticationError, PermissionError } from "../errors";

export interface SecurityOptions {
  /** Host names besides loopback that requests may address (when listening beyond loopback). */
  allowedHosts: string[];
  /** Browser origins allowed to call the API, besides loopback pages and the editor's webviews. */
  allowedOrigins: string[];
  apiKey?: string;
}

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

function hostName(host: string): string {
  return host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0]!;
}

/**
 * Refuses DNS rebinding (a page whose domain resolves to 127.0.0.1 cannot address us by its own
 * name) and cross-site requests from browsers, then checks the optional bearer token.
 */
export function authorize(req: IncomingMessage, options: SecurityOptions): void {
  const host = hostName((req.headers.host ?? "").toLowerCase());
  if (!LOOPBACK_NAMES.has(host) && !options.allowedHosts.includes(host) && !host.endsWith(".localhost"))
    throw new PermissionError(`requests addressed to host "${host}" are refused`, {
      code: "host_not_allowed",
      fix: "Address the host as 127.0.0.1 or localhost, or start it with --allowed-host NAME.",
    });
  const origin = req.headers.origin;
  if (origin && !originAllowed(origin.toLowerCase(), options))
    throw new PermissionError(`requests from the web page origin ${origin} are refused`, {
      code: "origin_not_allowed",
      fix: "Start the host with --allowed-origin ORIGIN to let that page call the API.",
    });
  if (options.apiKey) {
    const given = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1] ?? "";
    const [a, b] = [Buffer.from(given), Buffer.from(options.apiKey)];
    if (a.length !== b.length || !timingSafeEqual(a, b))
      throw new AuthenticationError("missing or wrong API key", {
        code: "invalid_api_key",
        fix: "Send Authorization: Bearer <key>, the key the host was started with (--api-key or LMR_API_KEY).",
      });
  }
}

function originAllowed(origin: string, options: SecurityOptions): boolean {
  if (options.allowedOrigins.includes(origin) || origin.startsWith("vscode-webview://") || origin.startsWith("vscode-file://")) return true;
  try {
    return LOOPBACK_NAMES.has(hostName(new URL(origin).host));
  } catch {
    return false;
  }
}
