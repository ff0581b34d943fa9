import { z } from "zod";
import { UpstreamError } from "../errors";
import { sha256Digest } from "../store/digest";
import { RegistryAuth, repositoryScope } from "./auth";
import type { BlobSource } from "./blob-fetch";
import { type ByteRange, rangeHeader } from "./byte-range";
import { findCredentials, type Credentials } from "./credentials";
import { registryBaseUrl } from "./endpoint";
import { nextPageLink } from "./link-header";
import { digestMismatchError, registryResponseError, type RegistryTarget } from "./registry-errors";
import { send } from "./transport";

/** Manifest types asked for: DMR pushes OCI manifests; Docker's v2 schema is what older tools push. */
const manifestAccept = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** `GET /v2/<name>/tags/list`; registries answer `null` tags for a repository emptied by deletes. */
const tagListSchema = z.object({ tags: z.array(z.string()).nullish() });

export interface FetchedManifest {
  /** The bytes exactly as served: their hash is the manifest's digest. */
  bytes: Buffer;
  digest: string;
  mediaType: string;
}

export interface ClientOptions {
  env?: NodeJS.ProcessEnv;
  /** Explicit credentials (`lmr login` checking them); otherwise the saved ones are used. */
  credentials?: Credentials;
  signal?: AbortSignal;
}

/** What `fetch` takes as a request body. */
export type RequestBody = NonNullable<RequestInit["body"]>;

interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** A factory, so the body can be sent again after a token renewal. */
  body?: () => RequestBody;
  scopes: readonly string[];
  /** Repository and reference the request is about, for its error. */
  repository: string;
  reference?: string;
  signal?: AbortSignal;
}

/** The OCI distribution API of one registry, for one user. */
export class RegistryClient {
  private constructor(
    readonly registry: string,
    readonly baseUrl: URL,
    private readonly auth: RegistryAuth,
  ) {}

  /** A client for `registry` that has already learned how the registry wants to be authorized. */
  static async connect(registry: string, options: ClientOptions = {}): Promise<RegistryClient> {
    const env = options.env ?? process.env;
    const credentials = options.credentials ?? (await findCredentials(registry, env));
    const client = new RegistryClient(registry, registryBaseUrl(registry, env), new RegistryAuth(registry, credentials));
    await client.ping(options.signal);
    return client;
  }

  /**
   * `GET /v2/`: answers 200 or a 401 whose challenge says how to authorize. Learning it up front lets every
   * later request, uploads included, carry its authorization the first time.
   */
  async ping(signal?: AbortSignal): Promise<void> {
    const response = await this.request("v2/", { scopes: [], repository: "", signal });
    if (!response.ok && !(response.status === 401 && !this.auth.credentials))
      throw await registryResponseError(response, { registry: this.registry, repository: "", loggedIn: this.loggedIn });
    await response.body?.cancel();
  }

  get loggedIn(): boolean {
    return this.auth.credentials !== undefined;
  }

  async manifest(repository: string, reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
    const response = await this.expectOk(`v2/${repository}/manifests/${reference}`, {
      headers: { accept: manifestAccept },
      scopes: [repositoryScope(repository, ["pull"])],
      repository,
      reference,
      signal,
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    const digest = sha256Digest(bytes);
    const expected = reference.startsWith("sha256:") ? reference : response.headers.get("docker-content-digest");
    if (expected && expected !== digest) throw digestMismatchError(`${this.registry}/${repository}`, expected, digest);
    return { bytes, digest, mediaType: response.headers.get("content-type")?.split(";")[0] ?? "" };
  }

  async tags(repository: string, signal?: AbortSignal): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = `v2/${repository}/tags/list`;
    while (path) {
      const response = await this.expectOk(path, { scopes: [repositoryScope(repository, ["pull"])], repository, signal });
      const body = tagListSchema.safeParse(await response.json().catch(() => undefined));
      if (!body.success) {
        throw new UpstreamError(`${this.registry} answered the tag list of ${repository} in an unknown shape.`, {
          fix: "The registry does not follow the distribution spec; ask its operator.",
          code: "registry_error",
        });
      }
      tags.push(...(body.data.tags ?? []));
      path = nextPageLink(response.headers.get("link"));
    }
    return tags;
  }

  /**
   * `GET` a blob, or the bytes of it from `range.start` (to `range.end`, inclusive). The response is returned as
   * is — 200, 206 or 416 — because resuming depends on which one a server gives; any other status is an error.
   */
  async blob(repository: string, digest: string, range: ByteRange, signal?: AbortSignal): Promise<Response> {
    const response = await this.request(`v2/${repository}/blobs/${digest}`, {
      headers: rangeHeader(range),
      scopes: [repositoryScope(repository, ["pull"])],
      repository,
      reference: digest,
      signal,
    });
    if (response.ok || response.status === 416) return response;
    throw await registryResponseError(response, this.target(repository, digest));
  }

  /** A blob's bytes, for a download thread to GET them (see fetchBlob). */
  blobSource(repository: string, digest: string): BlobSource {
    const url = new URL(`v2/${repository}/blobs/${digest}`, this.baseUrl).href;
    const scopes = [repositoryScope(repository, ["pull"])];
    return {
      name: `${this.registry}/${repository}`,
      request: async (signal) => {
        const authorization = await this.auth.authorization(scopes, signal);
        const headers: Record<string, string> = authorization ? { authorization } : {};
        return { server: this.registry, url, headers };
      },
      refused: async (response, refusals) => {
        // A token that expired mid-pull is renewed, once per request.
        if (response.status === 401 && refusals === 0 && this.auth.challenged(response, scopes)) return;
        throw await registryResponseError(response, this.target(repository, digest));
      },
    };
  }

  async hasBlob(repository: string, digest: string, signal?: AbortSignal): Promise<boolean> {
    const response = await this.request(`v2/${repository}/blobs/${digest}`, {
      method: "HEAD",
      scopes: [repositoryScope(repository, ["pull", "push"])],
      repository,
      signal,
    });
    if (response.ok) return true;
    if (response.status === 404) return false;
    throw await registryResponseError(response, this.target(repository));
  }

  /** Starts an upload session; answers where to send its bytes. */
  async startUpload(repository: string, signal?: AbortSignal): Promise<URL> {
    const response = await this.request(`v2/${repository}/blobs/uploads/`, {
      method: "POST",
      scopes: [repositoryScope(repository, ["pull", "push"])],
      repository,
      signal,
    });
    await this.expectStatus(response, [202], this.target(repository));
    return this.location(response);
  }

  /**
   * Asks the registry to link a blob it holds in another repository, sending no bytes. When it will not (the
   * blob is not there, or the user may not read `from`) it starts an upload instead and answers its location.
   */
  async mountBlob(repository: string, digest: string, from: string, signal?: AbortSignal): Promise<"mounted" | URL> {
    const url = new URL(`v2/${repository}/blobs/uploads/`, this.baseUrl);
    url.searchParams.set("mount", digest);
    url.searchParams.set("from", from);
    const response = await this.request(url, {
      method: "POST",
      scopes: [repositoryScope(repository, ["pull", "push"]), repositoryScope(from, ["pull"])],
      repository,
      signal,
    });
    await this.expectStatus(response, [201, 202], this.target(repository));
    return response.status === 201 ? "mounted" : this.location(response);
  }

  /**
   * Sends one chunk of an upload. Registries ignore `Content-Range` on PATCH and answer a new location each time,
   * so the caller tracks its offset and always continues at the location returned.
   */
  async uploadChunk(
    repository: string,
    location: URL,
    chunk: { body: () => RequestBody; offset: number; length: number },
    signal?: AbortSignal,
  ): Promise<URL> {
    const response = await this.request(location, {
      method: "PATCH",
      headers: {
        "content-type": "application/octet-stream",
        "content-length": String(chunk.length),
        "content-range": `${chunk.offset}-${chunk.offset + chunk.length - 1}`,
      },
      body: chunk.body,
      scopes: [repositoryScope(repository, ["pull", "push"])],
      repository,
      signal,
    });
    await this.expectStatus(response, [202], this.target(repository));
    return this.location(response);
  }

  /** Closes an upload with the blob's digest, sending its remaining bytes (all of them for a monolithic upload). */
  async finishUpload(
    repository: string,
    location: URL,
    digest: string,
    rest?: { body: () => RequestBody; length: number },
    signal?: AbortSignal,
  ): Promise<void> {
    const url = new URL(location);
    url.searchParams.set("digest", digest);
    const response = await this.request(url, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream", "content-length": String(rest?.length ?? 0) },
      ...(rest ? { body: rest.body } : {}),
      scopes: [repositoryScope(repository, ["pull", "push"])],
      repository,
      signal,
    });
    await this.expectStatus(response, [201], this.target(repository, digest));
  }

  async putManifest(repository: string, tag: string, manifest: FetchedManifest, signal?: AbortSignal): Promise<void> {
    const response = await this.expectOk(`v2/${repository}/manifests/${tag}`, {
      method: "PUT",
      headers: { "content-type": manifest.mediaType },
      body: () => manifest.bytes,
      scopes: [repositoryScope(repository, ["pull", "push"])],
      repository,
      reference: tag,
      signal,
    });
    await response.body?.cancel();
  }

  /**
   * Refuses any status but `expected` with the registry's own error (read from the body, so the body is
   * read before it is let go), and otherwise lets the body go unread.
   */
  private async expectStatus(response: Response, expected: number[], target: RegistryTarget): Promise<void> {
    if (!expected.includes(response.status)) throw await registryResponseError(response, target);
    await response.body?.cancel();
  }

  private async expectOk(path: string | URL, options: RequestOptions): Promise<Response> {
    const response = await this.request(path, options);
    if (!response.ok) throw await registryResponseError(response, this.target(options.repository, options.reference));
    return response;
  }

  /** One API call, authorized; after a 401 it learns the challenge and tries once more. */
  private async request(path: string | URL, options: RequestOptions): Promise<Response> {
    const url = new URL(path, this.baseUrl);
    for (let attempt = 0; ; attempt++) {
      const headers = new Headers(options.headers);
      const authorization = await this.auth.authorization(options.scopes, options.signal);
      if (authorization) headers.set("authorization", authorization);
      const response = await send(this.registry, url, {
        method: options.method ?? "GET",
        headers,
        ...(options.body ? { body: options.body(), duplex: "half" } : {}),
        signal: options.signal,
      });
      if (response.status !== 401 || attempt > 0 || !this.auth.challenged(response, options.scopes)) return response;
      await response.body?.cancel();
    }
  }

  private location(response: Response): URL {
    const location = response.headers.get("location");
    if (!location) {
      throw new UpstreamError(`${this.registry} started an upload without saying where to send it (no Location).`, {
        fix: "The registry does not follow the distribution spec; push to another registry.",
        code: "registry_error",
      });
    }
    return new URL(location, this.baseUrl);
  }

  private target(repository: string, reference?: string) {
    return { registry: this.registry, repository, reference, loggedIn: this.loggedIn };
  }
}
