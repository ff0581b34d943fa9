import { z } from "zod";
import { AuthenticationError, type LmrError, NotFoundError, PermissionError, UpstreamError } from "../errors";
import type { BlobSource } from "./blob-fetch";
import { type ByteRange, rangeHeader } from "./byte-range";
import type { HubFile } from "./hf-files";
import { nextPageLink } from "./link-header";
import { send } from "./transport";

const defaultEndpoint = "https://huggingface.co";
const revision = "main";

/** An entry of `GET /api/models/{repo}/tree/{revision}?recursive=true`. */
const treeEntrySchema = z.object({
  type: z.enum(["file", "directory"]),
  path: z.string(),
  size: z.number().int().nonnegative(),
  lfs: z.object({ oid: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() }).nullish(),
});

/**
 * The Hugging Face Hub's documented HTTP API for one repository: its file list and its files' bytes. Honours
 * `HF_ENDPOINT` (a mirror or a private Hub) and `HF_TOKEN` (gated and private repositories).
 */
export class HuggingFaceRepository {
  readonly endpoint: URL;
  readonly #token: string | undefined;

  constructor(
    /** `org/repo`. */
    readonly repository: string,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.endpoint = new URL(`${(env.HF_ENDPOINT || defaultEndpoint).replace(/\/+$/, "")}/`);
    this.#token = env.HF_TOKEN || undefined;
  }

  get name(): string {
    return `hf.co/${this.repository}`;
  }

  /** Every file of the repository, in all folders, following the listing's pages. */
  async files(signal?: AbortSignal): Promise<HubFile[]> {
    const files: HubFile[] = [];
    let url: URL | undefined = new URL(`api/models/${this.repository}/tree/${revision}?recursive=true`, this.endpoint);
    while (url) {
      const response = await this.get(url, {}, signal);
      const entries = z.array(treeEntrySchema).safeParse(await response.json().catch(() => undefined));
      if (!entries.success) {
        throw new UpstreamError(`${this.endpoint.origin} answered the file list of ${this.name} in an unknown shape.`, {
          fix: "Check HF_ENDPOINT: it must name a Hugging Face Hub (https://huggingface.co or a mirror of it).",
          code: "hf_bad_listing",
        });
      }
      for (const entry of entries.data) {
        if (entry.type === "file") files.push({ path: entry.path, size: entry.lfs?.size ?? entry.size, sha256: entry.lfs?.oid });
      }
      const next = nextPageLink(response.headers.get("link"));
      url = next ? new URL(next, this.endpoint) : undefined;
    }
    return files;
  }

  /** A file's bytes, or a range of them; 200, 206 and 416 are returned for the caller to resume or read by. */
  async download(path: string, range: ByteRange, signal?: AbortSignal): Promise<Response> {
    const response = await this.request(this.fileUrl(path), rangeHeader(range), signal);
    if (response.ok || response.status === 416) return response;
    throw await this.error(response, path);
  }

  /** A file's bytes, for a download thread to GET them (see fetchBlob). */
  fileSource(path: string): BlobSource {
    return {
      name: `${this.name}/${path}`,
      request: async () => ({ server: "hf.co", url: this.fileUrl(path).href, headers: this.authorization() }),
      refused: async (response) => {
        throw await this.error(response, path);
      },
    };
  }

  fileUrl(path: string): URL {
    const encoded = path.split("/").map(encodeURIComponent).join("/");
    return new URL(`${this.repository}/resolve/${revision}/${encoded}`, this.endpoint);
  }

  private async get(url: URL, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    const response = await this.request(url, headers, signal);
    if (!response.ok) throw await this.error(response);
    return response;
  }

  private request(url: URL, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    // fetch drops Authorization when the Hub redirects a download to its CDN, as it must.
    return send("hf.co", url, { headers: { ...headers, ...this.authorization() }, signal });
  }

  private authorization(): Record<string, string> {
    return this.#token ? { authorization: `Bearer ${this.#token}` } : {};
  }

  private async error(response: Response, path?: string): Promise<LmrError> {
    const detail = z
      .object({ error: z.string() })
      .safeParse(await response.json().catch(() => undefined)).data?.error;
    const what = path ? `${path} of ${this.name}` : this.name;
    const tokenFix = this.#token
      ? "Check that HF_TOKEN is a valid Hugging Face access token with read access to the repository."
      : "Set HF_TOKEN to a Hugging Face access token (https://huggingface.co/settings/tokens) that may read it.";
    switch (response.status) {
      case 401:
        // The Hub answers 401 for private repositories as well as missing ones, so both are named.
        return new AuthenticationError(`${what} is private, gated or does not exist${detail ? ` (${detail})` : ""}.`, {
          fix: `Check the name. ${tokenFix}`,
          code: "hf_unauthorized",
        });
      case 403:
        return new PermissionError(`Access to ${what} is restricted${detail ? `: ${detail}` : ""}.`, {
          fix: `Accept the model's terms on its page (https://huggingface.co/${this.repository}), then pull again. ${tokenFix}`,
          code: "hf_gated",
        });
      case 404:
        return new NotFoundError(`${what} does not exist.`, {
          fix: "Check the repository name on https://huggingface.co.",
          code: "hf_not_found",
        });
      default:
        return new UpstreamError(`${this.endpoint.origin} answered HTTP ${response.status} for ${what}${detail ? `: ${detail}` : ""}.`, {
          fix: "Try again later; if it persists, check https://status.huggingface.co.",
          code: "hf_error",
        });
    }
  }
}
