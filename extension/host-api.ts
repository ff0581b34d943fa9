/** Calls to the host's HTTP API (`lmr/status` gives its address); a refusal becomes an Error with the host's words. */
import { z } from "zod";

/** The API's error JSON (OpenAI's shape); its message already ends with the fix. */
const ErrorBodySchema = z.object({ error: z.object({ message: z.string() }) });

export async function postJson(url: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal });
  if (!response.ok) {
    const error = ErrorBodySchema.safeParse(await response.json().catch(() => undefined));
    throw new Error(error.success ? error.data.error.message : `${url} answered ${response.status}`);
  }
  return response;
}
