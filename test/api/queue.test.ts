import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TestHost } from "../helpers/host";
import { NAMES, startHostWithModels } from "../helpers/models";

describe("a model whose queue is full, and preloading", () => {
  let host: TestHost;

  before(async () => {
    ({ host } = await startHostWithModels(["chatml"], { args: ["--parallel", "1", "--queue-limit", "0"] }));
  });
  after(async () => {
    await host?.stop();
  });

  it("loads a model for X-Preload-Only without generating", async () => {
    const response = await fetch(`${host.url}/engines/v1/chat/completions`, {
      method: "POST",
      headers: { "x-preload-only": "true" },
      body: JSON.stringify({ model: NAMES.chatml, messages: [{ role: "user", content: "" }] }),
    });
    assert.equal(response.status, 200);
    const ps = (await (await fetch(`${host.url}/engines/ps`)).json()) as { model_name: string }[];
    assert.deepEqual(ps.map((entry) => entry.model_name), [`${NAMES.chatml}:latest`]);
  });

  it("answers 503 with Retry-After while the model is busy and nothing may wait", async () => {
    const busy = new AbortController();
    const first = await fetch(`${host.url}/engines/v1/chat/completions`, {
      method: "POST",
      signal: busy.signal,
      body: JSON.stringify({ model: NAMES.chatml, messages: [{ role: "user", content: "go on" }], stream: true, max_tokens: 400, ignore_eos: true }),
    });
    assert.equal(first.status, 200);
    const second = await fetch(`${host.url}/engines/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: NAMES.chatml, messages: [{ role: "user", content: "me too" }] }),
    });
    assert.equal(second.status, 503);
    assert.equal(second.headers.get("retry-after"), "1");
    const body = (await second.json()) as { error: { message: string } };
    assert.match(body.error.message, /busy/);
    busy.abort();
  });
});
