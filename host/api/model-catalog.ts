import type { EngineName } from "../engines/engine";
import type { ModelObject } from "../protocol/openai";

/** What `/v1/models` lists: the store's models, and those attached upstreams serve. */
export interface ModelCatalog {
  list(engine?: EngineName): Promise<ModelObject[]>;
  get(name: string): Promise<ModelObject>;
}
