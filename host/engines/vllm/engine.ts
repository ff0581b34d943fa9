import { execa } from "execa";
import { NotFoundError, UserError } from "../../errors";
import { log } from "../../log";
import type { ModelObject } from "../../protocol/openai";
import type { Engine, EngineStatus, ModelToLoad, Runner } from "../engine";
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

/** vLLM for safetensors models: launched per model with `vllm serve`, or attached by URL. */
export class VllmEngine implements Engine {
  readonly name = "vllm" as const;
  readonly formats = ["safetensors"] as const;
  private readonly upstream: Upstream | undefined;
  private upstreamHealthy: boolean | undefined;
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
    if (!this.upstream || !(await this.servedNames()).includes(name)) return undefined;
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
      const ok = await this.checkHealth();
      const version = ok ? await this.upstreamVersion() : undefined;
      return {
        name: this.name,
        state: ok ? "running" : "error",
        version,
        detail: ok ? `attached to ${this.upstream.baseUrl.origin}` : `the vLLM attached at ${this.upstream.baseUrl.origin} does not answer`,
      };
    }
    const vllm = await findVllm(this.options.executable ?? process.env.LMR_VLLM_BIN);
    try {
      await checkCanLaunch(vllm);
    } catch (error) {
      return { name: this.name, state: "not-installed", detail: (error as Error).message };
    }
    try {
      const { stdout } = await execa(vllm!.path, ["--version"], { timeout: 60_000 });
      const version = stdout.trim().split("\n").pop() ?? "";
      return { name: this.name, state: "running", version, detail: `vllm ${version} at ${vllm!.path}, launched per model` };
    } catch (error) {
      return { name: this.name, state: "error", detail: `${vllm!.path} --version failed: ${(error as Error).message}` };
    }
  }

  private async servedNames(): Promise<string[]> {
    return (await this.listUpstream().catch(() => [])).map((model) => model.id);
  }

  private async listUpstream(): Promise<ModelObject[]> {
    const upstream = this.upstream!;
    const response = await fetch(new URL(`${upstream.baseUrl.pathname}/models`, upstream.baseUrl), {
      signal: AbortSignal.timeout(5000),
      headers: upstream.apiKey ? { authorization: `Bearer ${upstream.apiKey}` } : {},
    });
    if (!response.ok) throw await upstreamError(response, upstream.baseUrl);
    return ((await response.json()) as { data: ModelObject[] }).data;
  }

  private async upstreamVersion(): Promise<string | undefined> {
    try {
      const response = await fetch(new URL("/version", this.upstream!.baseUrl), { signal: AbortSignal.timeout(2000) });
      return ((await response.json()) as { version?: string }).version;
    } catch {
      return undefined;
    }
  }

  /** Health is /health where the upstream has it (vLLM), else its model list answering. */
  private async checkHealth(): Promise<boolean> {
    const upstream = this.upstream!;
    const ok = (await healthy(upstream.baseUrl, upstream.apiKey)) || (await this.listUpstream().then(() => true, () => false));
    if (ok !== this.upstreamHealthy) log.write(ok ? "info" : "warn", "vllm", `${upstream.baseUrl.origin} is ${ok ? "up" : "down"}`);
    this.upstreamHealthy = ok;
    return ok;
  }

  dispose(): void {
    clearInterval(this.watch);
  }
}
