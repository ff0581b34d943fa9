import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { startHost, type TestHost } from "../helpers/host";
import { NAMES, startHostWithModels, type TestModels } from "../helpers/models";

interface ErrorJson {
  error: { message: string; type: string; param: string | null; code: string | null };
}

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
  return { status: response.status, headers: response.headers, body: (await response.json()) as ErrorJson };
}

describe("errors, models list and security", () => {
  let host: TestHost;
  let models: TestModels;

  before(async () => {
    ({ host, models } = await startHostWithModels(["chatml"]));
  });
  after(async () => {
    await host?.stop();
  });

  it("answers GET / and GET /version as Docker Model Runner does", async () => {
    const root = await fetch(`${host.url}/`);
    assert.equal(root.status, 200);
    assert.match(await root.text(), /is running/);
    const version = (await (await fetch(`${host.url}/version`)).json()) as { version: string };
    assert.match(version.version, /^\d+\.\d+\.\d+/);
  });

  it("lists models with their metadata, and gets one by name", async () => {
    const list = await host.openai().models.list();
    const model = list.data.find((m) => m.id === `${NAMES.chatml}:latest`) as unknown as Record<string, unknown>;
    assert.ok(model, "the packaged model is listed");
    assert.equal(model.object, "model");
    assert.equal(model.context_window, models.chatml.expected.contextLength);
    assert.equal(model.architecture, "llama");
    assert.equal(model.quantization, models.chatml.expected.quantization);
    assert.equal(model.parameters, models.chatml.expected.parameters);
    assert.match(String(model.size), /MiB|KiB/);
    const one = await host.openai().models.retrieve(NAMES.chatml);
    assert.equal(one.id, `${NAMES.chatml}:latest`);
  });

  it("refuses malformed JSON with a 400 in OpenAI's error shape", async () => {
    const { status, body } = await post(`${host.url}/v1/chat/completions`, "{not json");
    assert.equal(status, 400);
    assert.equal(body.error.type, "invalid_request_error");
    assert.equal(body.error.code, "invalid_json");
  });

  it("names the field a schema violation is in", async () => {
    const { status, body } = await post(`${host.url}/v1/chat/completions`, JSON.stringify({ model: NAMES.chatml, messages: [{ role: "user", content: "hi" }], temperature: 9 }));
    assert.equal(status, 400);
    assert.equal(body.error.param, "temperature");
  });

  it("answers an unknown model with a 404 that says how to get it", async () => {
    await assert.rejects(host.openai().chat.completions.create({ model: "nobody/nothing", messages: [{ role: "user", content: "hi" }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.NotFoundError, String(error));
      assert.match(error.message, /lmr pull/);
      return true;
    });
  });

  it("refuses a prompt longer than the context with a 400 that gives the fix", async () => {
    const long = "word ".repeat(models.chatml.expected.contextLength * 2);
    await assert.rejects(host.openai().chat.completions.create({ model: NAMES.chatml, messages: [{ role: "user", content: long }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError, String(error));
      assert.equal(error.code, "context_length_exceeded");
      assert.match(error.message, /lmr configure --context-size/);
      return true;
    });
  });

  it("refuses a body over 10 MiB with a 413", async () => {
    const { status, body } = await post(`${host.url}/v1/embeddings`, JSON.stringify({ model: NAMES.chatml, input: "x".repeat(11 * 1024 * 1024) }));
    assert.equal(status, 413);
    assert.equal(body.error.code, "body_too_large");
  });

  it("refuses a GGUF model on the vLLM path, naming the engine that serves it", async () => {
    const { status, body } = await post(`${host.url}/engines/vllm/v1/chat/completions`, JSON.stringify({ model: NAMES.chatml, messages: [{ role: "user", content: "hi" }] }));
    assert.equal(status, 400);
    assert.match(body.error.message, /llama\.cpp/);
  });

  it("refuses requests addressed to a foreign host name (DNS rebinding) and from foreign web pages", async () => {
    // fetch will not send a foreign Host header, so this request goes out through node:http.
    const rebinding = await new Promise<{ status: number; body: ErrorJson }>((resolve, reject) => {
      const request = http.request(`${host.url}/v1/models`, { headers: { host: "evil.example:12434" } }, (response) => {
        let text = "";
        response.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
        response.on("end", () => resolve({ status: response.statusCode!, body: JSON.parse(text) as ErrorJson }));
      });
      request.on("error", reject).end();
    });
    assert.equal(rebinding.status, 403);
    assert.equal(rebinding.body.error.code, "host_not_allowed");
    const crossSite = await post(`${host.url}/v1/chat/completions`, "{}", { origin: "https://evil.example" });
    assert.equal(crossSite.status, 403);
    assert.equal(crossSite.body.error.code, "origin_not_allowed");
  });

  it("keeps serving after all of that", async () => {
    const completion = await host.openai().chat.completions.create({ model: NAMES.chatml, messages: [{ role: "user", content: "still there?" }] });
    assert.equal(completion.choices[0]!.message.content, models.chatml.expected.chatReply);
  });
});

describe("a host started with an API key", () => {
  let host: TestHost;
  before(async () => {
    host = await startHost({ args: ["--api-key", "sekret"] });
  });
  after(() => host?.stop());

  it("refuses requests without the key and accepts them with it", async () => {
    const without = await fetch(`${host.url}/v1/models`);
    assert.equal(without.status, 401);
    const withKey = new OpenAI({ baseURL: `${host.url}/engines/v1`, apiKey: "sekret" });
    const list = await withKey.models.list();
    assert.deepEqual(list.data, []);
  });
});
