import { z } from "zod";
import { UserError } from "../../errors";
import { pullModel } from "../../registry/pull";
import { pushModel } from "../../registry/push";
import { listQuantizations } from "../../registry/quants";
import { ModelReference } from "../../store/reference";
import type { ModelStore } from "../../store/store";
import { readBody } from "../body";
import { type Router, sendJson } from "../router";
import { streamProgress } from "../stream-progress";
import type { FreeMemory } from "../../engines/free-memory";

const CreateRequestSchema = z.object({ from: z.string().min(1, "from names the model to pull") });

export function distributionRoutes(router: Router, store: ModelStore, freeMemory: FreeMemory): void {
  router.on("POST", "/models/create", async ({ req, res, signal }) => {
    const { from } = await readBody(req, CreateRequestSchema);
    const reference = ModelReference.parse(from);
    await streamProgress(res, signal, async (onProgress) => {
      await pullModel(store, reference, { onProgress, signal });
    });
  });
  router.on("POST", "/models/{name+}/push", async ({ res, params, signal }) => {
    // A model that is not here is a plain 404, before any progress is streamed.
    await store.get(params.name!);
    await streamProgress(res, signal, async (onProgress) => {
      const pushed = await pushModel(store, params.name!, { onProgress, signal });
      onProgress({ type: "success", message: `Pushed ${pushed.reference.toString()} (${pushed.digest})` });
    });
  });
  router.on("GET", "/models/quants", async ({ res, url, signal }) => {
    const ref = url.searchParams.get("ref");
    if (!ref) throw new UserError("name the repository to list", { param: "ref", fix: "Example: GET /models/quants?ref=ai/llama3.2&context=8192" });
    const context = url.searchParams.get("context");
    const contextSize = context === null ? undefined : Number(context);
    if (contextSize !== undefined && !(Number.isInteger(contextSize) && contextSize > 0))
      throw new UserError(`context must be a whole number of tokens, not "${context}"`, { param: "context" });
    const [quantizations, free] = await Promise.all([listQuantizations(ref, { contextSize, signal }), freeMemory()]);
    sendJson(
      res,
      200,
      quantizations.map((q) => ({ ...q, fits: q.memory.total <= free.bytes, free: free.bytes, freeKind: free.kind })),
    );
  });
}
