import { z } from "zod";
import { AuthenticationError, UpstreamError } from "../errors";
import { type Challenge, parseChallenge } from "./challenge";
import type { Credentials } from "./credentials";
import { send } from "./transport";

/** `repository:team/model:pull,push`, the unit a registry grants access in. */
export function repositoryScope(repository: string, actions: readonly ("pull" | "push")[]): string {
  return `repository:${repository}:${actions.join(",")}`;
}

/** A token server's answer (Docker's token spec; `access_token` is the OAuth2 spelling some servers use). */
const tokenResponseSchema = z
  .object({
    token: z.string().optional(),
    access_token: z.string().optional(),
    expires_in: z.number().positive().optional(),
    issued_at: z.string().optional(),
  })
  .refine((body) => body.token || body.access_token, "the answer has no token");

/** The spec's lifetime for a token that does not say its own. */
const defaultTokenSeconds = 60;
/** Renew a little early, so a token does not expire between being chosen and being checked. */
const expiryMarginMs = 5_000;

interface CachedToken {
  token: string;
  expiresAt: number;
}

/**
 * How one registry wants requests authorized, learned from its first 401 challenge: Basic with the user's
 * credentials, or Bearer tokens from its token server (anonymous when not logged in), one per set of scopes,
 * reused until they expire.
 */
export class RegistryAuth {
  #challenge: Challenge | undefined;
  readonly #tokens = new Map<string, CachedToken>();

  constructor(
    readonly registry: string,
    readonly credentials: Credentials | undefined,
  ) {}

  /** The `Authorization` header for a request that needs these scopes, or none while no challenge was seen. */
  async authorization(scopes: readonly string[], signal?: AbortSignal): Promise<string | undefined> {
    const challenge = this.#challenge;
    if (!challenge) return undefined;
    if (challenge.scheme === "basic") return this.credentials ? `Basic ${basic(this.credentials)}` : undefined;
    return `Bearer ${await this.#token(challenge, scopes, signal)}`;
  }

  /**
   * Learns from a 401. True when a retry can do better: the first challenge, or a token the registry no longer
   * takes (it expired early or was revoked) and that is now forgotten.
   */
  challenged(response: Response, scopes: readonly string[]): boolean {
    const challenge = parseChallenge(response.headers.get("www-authenticate"));
    if (!challenge) return false;
    const first = this.#challenge === undefined;
    this.#challenge = challenge;
    if (challenge.scheme === "basic") return first && this.credentials !== undefined;
    return this.#tokens.delete(scopeKey(scopes)) || first;
  }

  async #token(challenge: Extract<Challenge, { scheme: "bearer" }>, scopes: readonly string[], signal?: AbortSignal) {
    const key = scopeKey(scopes);
    const cached = this.#tokens.get(key);
    if (cached && Date.now() < cached.expiresAt - expiryMarginMs) return cached.token;

    const url = new URL(challenge.realm);
    if (challenge.service) url.searchParams.set("service", challenge.service);
    // Several scopes go as several `scope=` parameters: token servers do not split one on spaces.
    for (const scope of new Set([...challenge.scopes, ...scopes])) url.searchParams.append("scope", scope);
    if (this.credentials) url.searchParams.set("account", this.credentials.username);

    const headers = new Headers({ accept: "application/json" });
    if (this.credentials) headers.set("authorization", `Basic ${basic(this.credentials)}`);
    const response = await send(this.registry, url, { headers, signal });
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw new AuthenticationError(
        this.credentials
          ? `${this.registry} rejected the username or password of ${this.credentials.username}.`
          : `${this.registry} refused anonymous access.`,
        { fix: `Run \`lmr login ${this.registry}\` with a valid username and password (or access token).`, code: "registry_unauthorized" },
      );
    }
    const parsed = tokenResponseSchema.safeParse(response.ok ? await response.json().catch(() => undefined) : undefined);
    if (!parsed.success) {
      throw new UpstreamError(`The token server of ${this.registry} (${url.origin}) gave no usable token (HTTP ${response.status}).`, {
        fix: "Try again; if it persists, the registry's authentication service has a problem.",
        code: "registry_token",
      });
    }
    const { token, access_token, expires_in, issued_at } = parsed.data;
    const issued = issued_at ? Date.parse(issued_at) : Number.NaN;
    const expiresAt = (Number.isNaN(issued) ? Date.now() : issued) + (expires_in ?? defaultTokenSeconds) * 1000;
    const value = (token ?? access_token)!;
    this.#tokens.set(key, { token: value, expiresAt });
    return value;
  }
}

function scopeKey(scopes: readonly string[]): string {
  return [...scopes].sort().join(" ");
}

function basic({ username, password }: Credentials): string {
  return Buffer.from(`${username}:${password}`).toString("base64");
}
