import os from "node:os";
import { BusyError, NotFoundError, UserError } from "../errors";
import { log } from "../log";
import type { Engine, EngineName, ModelToLoad, Runner } from "../engines/engine";
import { ModelReference } from "../store/reference";
import { DEFAULT_KEEP_ALIVE, parseKeepAlive } from "./keep-alive";

/** Where the scheduler learns what a name means and which configuration is in force for it. */
export interface ModelSource {
  resolve(name: string): Promise<ModelToLoad & { keepAlive?: string }>;
}

export interface SchedulerOptions {
  /** Requests that may wait for a model beyond those it serves at once, before 503s. */
  queueLimit?: number;
  /** Bytes all loaded models may take together; defaults to the machine's RAM. */
  memoryBudget?: number;
  /** How long an idle model stays loaded unless its own configuration says otherwise ("5m"). */
  keepAlive?: string;
}

export interface LoadedModelStatus {
  model: string;
  engine: EngineName;
  loading: boolean;
  inUse: number;
  contextSize: number | undefined;
  keepAlive: string;
  lastUsed: Date;
  loadedAt: Date;
  memory: { ram: number; vram: number } | undefined;
}

interface Slot {
  model: ModelToLoad;
  engine: Engine;
  /** Identifies the configuration the runner was loaded with; a change loads the model again. */
  fingerprint: string;
  /** Bytes the model takes by its estimate; 0 where the engine cannot tell (an attached upstream). */
  memory: number;
  runner: Promise<Runner>;
  loaded?: Runner;
  inUse: number;
  keepAlive: string;
  lastUsed: Date;
  loadedAt: Date;
  timer?: NodeJS.Timeout;
  retired: boolean;
}

export interface Lease {
  runner: Runner;
  model: ModelToLoad;
  release(): void;
}

/** Decides which runner serves a request: loads on first use, reloads on a new configuration, unloads after keep-alive. */
export class Scheduler {
  private readonly slots = new Map<string, Slot>();
  /** Loads being admitted, so that concurrent first requests for a model load it once. */
  private readonly admitting = new Map<string, Promise<Slot>>();
  private readonly queueLimit: number;
  readonly memoryBudget: number;
  private readonly keepAlive: string;

  constructor(
    private readonly engines: readonly Engine[],
    private readonly source: ModelSource,
    options: SchedulerOptions = {},
  ) {
    this.queueLimit = options.queueLimit ?? 32;
    this.memoryBudget = options.memoryBudget ?? os.totalmem();
    this.keepAlive = options.keepAlive ?? DEFAULT_KEEP_ALIVE;
    parseKeepAlive(this.keepAlive);
  }

  engineFor(model: ModelToLoad, forced?: EngineName): Engine {
    const capable = this.engines.filter((engine) => engine.formats.includes(model.format));
    if (forced) {
      const engine = this.engines.find((candidate) => candidate.name === forced);
      if (!engine || !engine.formats.includes(model.format))
        throw new UserError(`${model.name} is a ${model.format} model, which the ${forced} engine cannot serve`, {
          code: "wrong_engine",
          fix: capable.length
            ? `Send it to /engines/${capable[0]!.name}/v1/… or /engines/v1/…, which picks the engine for the model.`
            : `No engine here serves ${model.format} models.`,
        });
      return engine;
    }
    if (!capable[0]) throw new UserError(`no engine here serves ${model.format} models like ${model.name}`);
    return capable[0];
  }

  async acquire(name: string, forced?: EngineName): Promise<Lease> {
    const model = await this.source.resolve(name).catch(async (error: unknown) => {
      if (!(error instanceof NotFoundError)) throw error;
      const attached = await this.attached(name, forced);
      if (attached) return attached;
      throw error;
    });
    if ("runner" in model) return model;
    const engine = this.engineFor(model, forced);
    const fingerprint = JSON.stringify([engine.name, model.id, model.contextSize, model.runtimeFlags, model.vllm]);
    let slot = this.slots.get(model.name);
    if (slot && slot.fingerprint !== fingerprint) {
      log.write("info", "scheduler", `${model.name}: configuration changed, loading it again`);
      this.retire(slot);
      slot = undefined;
    }
    slot ??= await this.admit(model, engine, fingerprint);
    slot.keepAlive = model.keepAlive ?? this.keepAlive;
    const parallel = slot.loaded?.description.parallel ?? 1;
    if (slot.inUse >= parallel + this.queueLimit)
      throw new BusyError(`${model.name} is busy: ${slot.inUse} requests are running or waiting`, 1, {
        fix: "Retry shortly, or raise the parallel requests with lmr configure MODEL -- --parallel N.",
      });
    slot.inUse++;
    clearTimeout(slot.timer);
    const current = slot;
    try {
      const runner = await slot.runner;
      let released = false;
      return {
        runner,
        model,
        release: () => {
          if (released) return;
          released = true;
          this.finish(current);
        },
      };
    } catch (error) {
      this.finish(current);
      throw error;
    }
  }

  /** Attached upstreams' models need no loading, so their leases hold nothing. */
  private async attached(name: string, forced?: EngineName): Promise<Lease | undefined> {
    for (const engine of this.engines) {
      if (forced && engine.name !== forced) continue;
      const runner = await engine.attachedRunner?.(name);
      if (runner)
        return {
          runner,
          model: { name, id: name, format: engine.formats[0]!, path: "", contextSize: runner.description.contextSize, runtimeFlags: [] },
          release: () => {},
        };
    }
    return undefined;
  }

  status(): LoadedModelStatus[] {
    return [...this.slots.values()].map((slot) => ({
      model: slot.model.name,
      engine: slot.engine.name,
      loading: !slot.loaded,
      inUse: slot.inUse,
      contextSize: slot.loaded?.description.contextSize,
      keepAlive: slot.keepAlive,
      lastUsed: slot.lastUsed,
      loadedAt: slot.loadedAt,
      memory: slot.loaded?.description.memory,
    }));
  }

  runnerOf(name: string): Runner | undefined {
    return this.slots.get(canonicalName(name))?.loaded;
  }

  /** Unloads the named models (all when none are named); returns how many were unloaded. */
  async unload(filter: { models?: string[]; engine?: EngineName } = {}): Promise<number> {
    const names = filter.models?.map(canonicalName);
    const chosen = [...this.slots.values()].filter(
      (slot) => (!names?.length || names.includes(slot.model.name)) && (!filter.engine || slot.engine.name === filter.engine),
    );
    await Promise.all(chosen.map((slot) => this.retire(slot, true)));
    return chosen.length;
  }

  isLoaded(name: string): boolean {
    return this.slots.has(canonicalName(name));
  }

  private admit(model: ModelToLoad, engine: Engine, fingerprint: string): Promise<Slot> {
    let admission = this.admitting.get(model.name);
    if (!admission) {
      admission = this.makeRoom(model, engine).then((memory) => this.load(model, engine, fingerprint, memory));
      this.admitting.set(model.name, admission);
      const done = () => this.admitting.delete(model.name);
      admission.then(done, done);
    }
    return admission;
  }

  /**
   * Checks the model's estimated memory against the budget before loading it, unloading idle
   * models (least recently used first) when that makes it fit, and refusing with the numbers and
   * the fix when nothing does, instead of letting the machine swap or the runner crash.
   */
  private async makeRoom(model: ModelToLoad, engine: Engine): Promise<number> {
    const estimate = await engine.estimateMemory?.(model);
    if (!estimate) return 0;
    const used = () => [...this.slots.values()].reduce((sum, slot) => sum + slot.memory, 0);
    const idle = [...this.slots.values()].filter((slot) => slot.inUse === 0).sort((a, b) => a.lastUsed.getTime() - b.lastUsed.getTime());
    while (used() + estimate.total > this.memoryBudget && idle.length > 0) {
      const victim = idle.shift()!;
      log.write("info", "scheduler", `unloading idle ${victim.model.name} to make room for ${model.name}`);
      await this.retire(victim, true);
    }
    if (used() + estimate.total > this.memoryBudget) {
      const gib = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;
      throw new UserError(
        `${model.name} needs ${gib(estimate.total)} at context ${model.contextSize} (weights ${gib(estimate.weights)}, KV cache ${gib(estimate.kvCache)}, compute ${gib(estimate.compute)}), but ${gib(Math.max(0, this.memoryBudget - used()))} of the ${gib(this.memoryBudget)} memory budget is free`,
        {
          code: "insufficient_memory",
          fix: `Use a smaller quantization (lmr quants shows each one's needs), a smaller context (lmr configure --context-size ${Math.max(512, 2 ** Math.floor(Math.log2(model.contextSize / 2)))} ${model.name}), or unload other models (lmr unload --all).`,
        },
      );
    }
    return estimate.total;
  }

  private load(model: ModelToLoad, engine: Engine, fingerprint: string, memory: number): Slot {
    log.write("info", "scheduler", `loading ${model.name} on ${engine.name} (context ${model.contextSize})`);
    const slot: Slot = {
      model,
      engine,
      fingerprint,
      memory,
      runner: engine.load(model),
      inUse: 0,
      keepAlive: DEFAULT_KEEP_ALIVE,
      lastUsed: new Date(),
      loadedAt: new Date(),
      retired: false,
    };
    this.slots.set(model.name, slot);
    slot.runner.then(
      (runner) => {
        slot.loaded = runner;
        slot.loadedAt = new Date();
        runner.stopped.then(() => this.forget(slot));
      },
      () => this.forget(slot),
    );
    return slot;
  }

  private finish(slot: Slot): void {
    slot.inUse--;
    slot.lastUsed = new Date();
    if (slot.inUse > 0) return;
    if (slot.retired) return void this.stopRunner(slot);
    const ms = parseKeepAlive(slot.keepAlive);
    if (ms === Number.POSITIVE_INFINITY) return;
    slot.timer = setTimeout(() => {
      log.write("info", "scheduler", `${slot.model.name}: idle for ${slot.keepAlive}, unloading`);
      void this.retire(slot);
    }, ms);
    slot.timer.unref();
  }

  /** Takes a slot out of service: stopped now when idle (or forced), else after its last request. */
  private async retire(slot: Slot, force = false): Promise<void> {
    slot.retired = true;
    clearTimeout(slot.timer);
    this.forget(slot);
    if (slot.inUse === 0 || force) await this.stopRunner(slot);
  }

  private async stopRunner(slot: Slot): Promise<void> {
    const runner = await slot.runner.catch(() => undefined);
    await runner?.stop();
  }

  private forget(slot: Slot): void {
    if (this.slots.get(slot.model.name) === slot) this.slots.delete(slot.model.name);
  }

  async shutdown(): Promise<void> {
    await this.unload();
    for (const engine of this.engines) engine.dispose?.();
  }
}

/** Slots are keyed by the full name (`ai/smollm2:latest`); users type the short one (`ai/smollm2`). */
function canonicalName(name: string): string {
  try {
    return ModelReference.parse(name).toString();
  } catch {
    // Not a reference (an attached upstream's own model name): kept as it is.
    return name;
  }
}
