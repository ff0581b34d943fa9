import { UserError } from "../../errors";
import type { Scheduler } from "../../scheduler/scheduler";
import { removeModel } from "../../scheduler/remove-model";
import type { ModelStore, StoredModel } from "../../store/store";
import { type Router, sendJson } from "../router";

/** Docker Model Runner's model view: `{id, tags, created, config}`. */
export function modelJson(model: StoredModel) {
  return {
    id: model.id,
    tags: model.tags.map(String),
    created: Math.floor((model.created?.getTime() ?? 0) / 1000),
    config: model.config.config,
  };
}

export function modelRoutes(router: Router, store: ModelStore, scheduler: Scheduler): void {
  router.on("GET", "/models", async ({ res }) => {
    sendJson(res, 200, (await store.list()).map(modelJson));
  });
  router.on("POST", "/models/{name+}/tag", async ({ res, params, url }) => {
    const repo = url.searchParams.get("repo");
    const tag = url.searchParams.get("tag") ?? "latest";
    if (!repo) throw new UserError("tagging needs a target repository", { param: "repo", fix: "Example: POST /models/ai/smollm2/tag?repo=me/smollm2&tag=v1" });
    const target = `${repo}:${tag}`;
    await store.tag(params.name!, target);
    sendJson(res, 201, { message: `Model "${params.name}" tagged as "${target}"`, target });
  });
  router.on("GET", "/models/{name+}", async ({ res, params }) => {
    sendJson(res, 200, modelJson(await store.get(params.name!)));
  });
  router.on("DELETE", "/models/{name+}", async ({ res, params, url }) => {
    sendJson(res, 200, await removeModel(store, scheduler, params.name!, url.searchParams.get("force") === "true"));
  });
}
