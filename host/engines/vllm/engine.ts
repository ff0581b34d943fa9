import { z } from "zod";
import { EngineUnavailableError, NotFoundError, UpstreamError, UserError } from "../../errors";
import { log } from "../../log";
import type { ModelObject } from "../../protocol/openai";
import type { Engine, EngineStatus, ModelToLoad, Runner } from "../engine";
import { vllmVersion } from "./install";
import { healthy, launchVllm } from "./launch";
import { checkCanLaunch, findVllm } from "./preconditions";
import { upstreamError, UpstreamRunner, type Upstream } from "./upstream-runner";

export interface VllmEngineOptions {
  /** The `vllm` executable; otherwise LMR_VLLM_BIN, otherwise the one on PATH. */
  executable?: string;
  /** A running vLLM (or any OpenAI-compatible server) to attach to instead of launching one. */
  attachUrl?: string;
  apiKey?: string;
}

const HEALTH_INTERVAL_MS = 5000;

/** An OpenAI-compatible `/v1/models`: the ids matter, the rest passes through as the server sent it. */
const UpstreamModelsSchema = z.object({
  data: z.array(z.looseObject({ id: z.string(), object: z.literal("model").catch("model"), created: z.number().catch(0), owned_by: z.string().optional() })),
});
const VersionSchema = z.object({ version: z.string().optional() });

/** vLLM for safetensors models: launched per model with `vllm serve`, or attached by URL. */
export class VllmEngine implements Engine {
  readonly name = "vllm" as const;
  readonly formats = ["safetensors"] as const;
  private readonly upstream: Upstream | undefined;
  private upstreamHealthy: boolean | undefined;
  /** The upstream's models as last listed: a request for one of them while it is down is a 503, not a 404. */
  private lastServed: string[] = [];
  private readonly watch: NodeJS.Timeout | undefined;

  constructor(private readonly options: VllmEngineOptions = {}) {
    if (options.attachUrl) {
      const base = URL.canParse(options.attachUrl) ? new URL(options.attachUrl) : undefined;
      if (!base) throw new UserError(`the vLLM URL "${options.attachUrl}" is not a URL`, { fix: "Example: --vllm-url http://gpu-box:8000" });
      if (!base.pathname.replace(/\/$/, "").endsWith("/v1")) base.pathname = `${base.pathname.replace(/\/$/, "")}/v1`;
      this.upstream = { baseUrl: base, apiKey: options.apiKey };
      this.watch = setInterval(() => void this.checkHealth(), HEALTH_INTERVAL_MS).unref();
      void this.checkHealth();
    }
  }

  async load(model: ModelToLoad): Promise<Runner> {
    if (this.upstream) {
      const runner = await this.attachedRunner(model.name);
      if (!runner)
        throw new NotFoundError(`the vLLM attached at ${this.upstream.baseUrl.origin} does not serve ${model.name}`, {
          fix: `It serves: ${(await this.servedNames()).join(", ") || "nothing"}. Start it with --served-model-name ${model.name}, or ask for one of those.`,
        });
      return runner;
    }
    const vllm = await checkCanLaunch(await findVllm(this.options.executable ?? process.env.LMR_VLLM_BIN));
    const launched = await launchVllm(vllm, model);
    const stopped = launched.process.then(() => undefined);
    return new UpstreamRunner("vllm", { baseUrl: launched.baseUrl }, model.name, model.name, stopped, async () => {
      launched.process.kill("SIGTERM");
      await stopped;
    }, { contextSize: model.vllm?.maxModelLen ?? model.contextSize, detail: { pid: launched.process.pid, upstream: launched.baseUrl.origin } });
  }

  async attachedRunner(name: string): Promise<Runner | undefined> {
    if (!this.upstream) return undefined;
    let served: string[];
    try {
      served = (await this.listUpstream()).map((model) => model.id);
    } catch (error) {
      if (this.lastServed.includes(name)) throw error;
      return undefined;
    }
    if (!served.includes(name)) return undefined;
    return new UpstreamRunner("vllm", this.upstream, name, name, new Promise(() => {}), async () => {});
  }

  async remoteModels(): Promise<ModelObject[]> {
    if (!this.upstream) return [];
    try {
      return (await this.listUpstream()).map((model) => ({ ...model, engine: "vllm", owned_by: model.owned_by ?? this.upstream!.baseUrl.host }));
    } catch (error) {
      log.write("warn", "vllm", `listing models at ${this.upstream.baseUrl.origin} failed: ${(error as Error).message}`);
      return [];
    }
  }

  async status(): Promise<EngineStatus> {
    if (this.upstream) {
      const problem = await this.checkHealth();
      if (problem) return { name: this.name, state: "error", detail: problem };
      return { name: this.name, state: "running", version: await this.upstreamVersion(), detail: `attached to ${this.upstream.baseUrl.origin}` };
    }
    const vllm = await findVllm(this.options.executable ?? process.env.LMR_VLLM_BIN);
    try {
      await checkCanLaunch(vllm);
    } catch (error) {
      return { name: this.name, state: "not-installed", detail: (error as Error).message };
    }
    try {
      const version = await vllmVersion(vllm!);
      return { name: this.name, state: "running", version, detail: `vllm ${version} at ${vllm!.path}, launched per model` };
    } catch (error) {
      return { name: this.name, state: "error", detail: (error as Error).message };
    }
  }

  private async servedNames(): Promise<string[]> {
    return (await this.listUpstream().catch(() => [])).map((model) => model.id);
  }

  private async listUpstream(): Promise<z.infer<typeof UpstreamModelsSchema>["data"]> {
    const upstream = this.upstream!;
    let response: Response;
    try {
      response = await fetch(new URL(`${upstream.baseUrl.pathname}/models`, upstream.baseUrl), { signal: AbortSignal.timeout(5000), headers: this.authorization() });
    } catch (error) {
      throw new EngineUnavailableError(`the vLLM attached at ${upstream.baseUrl.origin} does not answer`, {
        fix: `Check that it runs and that this machine reaches ${upstream.baseUrl.href}; \`lmr status\` shows its health.`,
        cause: error,
      });
    }
    if (!response.ok) throw await upstreamError(response, upstream.baseUrl);
    const parsed = UpstreamModelsSchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw new UpstreamError(`${upstream.baseUrl.origin} answered ${upstream.baseUrl.pathname}/models with something other than an OpenAI model list`);
    const models = parsed.data.data;
    this.lastServed = models.map((model) => model.id);
    return models;
  }

  private async upstreamVersion(): Promise<string | undefined> {
    try {
      const response = await fetch(new URL("/version", this.upstream!.baseUrl), { signal: AbortSignal.timeout(2000), headers: this.authorization() });
      return VersionSchema.parse(await response.json()).version;
    } catch {
      return undefined;
    }
  }

  private authorization(): Record<string, string> {
    return this.upstream?.apiKey ? { authorization: `Bearer ${this.upstream.apiKey}` } : {};
  }

  /** Health is /health where the upstream has it (vLLM), else its model list answering. Returns what is wrong, if anything. */
  private async checkHealth(): Promise<string | undefined> {
    const upstream = this.upstream!;
    const problem = (await healthy(upstream.baseUrl, upstream.apiKey))
      ? undefined
      : await this.listUpstream().then(
          () => undefined,
          (error: Error) => error.message,
        );
    const ok = problem === undefined;
    if (ok !== this.upstreamHealthy) log.write(ok ? "info" : "warn", "vllm", ok ? `${upstream.baseUrl.origin} is up` : `${upstream.baseUrl.origin} is down: ${problem}`);
    this.upstreamHealthy = ok;
    return problem;
  }

  dispose(): void {
    clearInterval(this.watch);
  }
}
