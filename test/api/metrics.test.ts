import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TestHost } from "../helpers/host";
import { NAMES, startHostWithModels } from "../helpers/models";

/** The value of one sample of Prometheus' text format, by metric name and exact label set. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("/metrics", () => {
  let host: TestHost;

  before(async () => {
    ({ host } = await startHostWithModels(["chatml"]));
  });
  after(async () => {
    await host?.stop();
  });

  it("counts requests, errors and tokens, times generations, and shows loaded models", async () => {
    let generated = 0;
    for (let i = 0; i < 2; i++) {
      const completion = await host.openai().chat.completions.create({ model: NAMES.chatml, messages: [{ role: "user", content: `hi ${i}` }] });
      generated += completion.usage!.completion_tokens;
    }
    await host.openai().chat.completions.create({ model: "nobody/nothing", messages: [{ role: "user", content: "hi" }] }).catch(() => {});

    const response = await fetch(`${host.url}/metrics`);
    assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
    const text = await response.text();
    const model = `${NAMES.chatml}:latest`;
    assert.equal(sample(text, `lmr_requests_total{route="POST /engines/v1/chat/completions",status="200"}`), 2);
    assert.equal(sample(text, `lmr_errors_total{route="POST /engines/v1/chat/completions",status="404"}`), 1);
    assert.equal(sample(text, `lmr_generated_tokens_total{model="${model}"}`), generated);
    assert.equal(sample(text, `lmr_time_to_first_token_seconds_count{model="${model}"}`), 2);
    assert.equal(sample(text, `lmr_generation_tokens_per_second_count{model="${model}"}`), 2);
    assert.equal(sample(text, `lmr_loaded_models{engine="llama.cpp"}`), 1);
    assert.equal(sample(text, `lmr_requests_in_flight{model="${model}"}`), 0);
  });
});
