import { ConflictError } from "../errors";
import type { ModelStore, RemoveResult } from "../store/store";
import type { Scheduler } from "./scheduler";
import { modelName } from "./store-model-source";

/**
 * Removes a name, or a model with all its names, from the store. A loaded model is unloaded first
 * only when forced; dropping one of several names leaves the model (loaded or not) in place.
 */
export async function removeModel(store: ModelStore, scheduler: Scheduler, name: string, force: boolean): Promise<RemoveResult> {
  const model = await store.get(name);
  const dropsOneName = model.tags.length > 1 && model.tags.some((tag) => tag.toString() === modelName(model, name));
  const loaded = dropsOneName ? [] : model.tags.map(String).filter((tag) => scheduler.isLoaded(tag));
  if (loaded.length > 0) {
    if (!force) throw new ConflictError(`${loaded[0]} is loaded`, { fix: "Unload it first (lmr unload MODEL), or remove it with --force." });
    await scheduler.unload({ models: loaded });
  }
  return store.remove(name, { force });
}
