import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import type { TestHost } from "../helpers/host";
import { NAMES, startHostWithModels, type TestModels } from "../helpers/models";

const exec = promisify(execFile);

/** The runner processes the host started: its children. */
async function runnerPids(host: TestHost): Promise<number[]> {
  const { stdout } = await exec("ps", ["-o", "pid=", "--ppid", String(host.process.pid)]).catch(() => ({ stdout: "" }));
  return stdout.split("\n").map((line) => Number(line.trim())).filter((pid) => pid > 0);
}

interface PsEntry {
  model_name: string;
  in_use: boolean;
}

async function ps(host: TestHost): Promise<PsEntry[]> {
  return (await (await fetch(`${host.url}/engines/ps`)).json()) as PsEntry[];
}

async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`waited 10 s for ${what}`);
}

/** A generation that runs until max_tokens: the end-of-text token is banned. */
function longGeneration(host: TestHost, signal?: AbortSignal, maxTokens = 400) {
  // ignore_eos is llama.cpp server's extra, which the client passes through untyped.
  const body = { model: NAMES.chatml, messages: [{ role: "user" as const, content: "go on" }], stream: true as const, max_tokens: maxTokens, ignore_eos: true };
  return host.openai().chat.completions.create(body, { signal });
}

describe("runner processes", () => {
  let host: TestHost;
  let models: TestModels;

  before(async () => {
    ({ host, models } = await startHostWithModels(["chatml"]));
  });
  after(async () => {
    await host?.stop();
  });

  it("stops generating when the client disconnects", async () => {
    const controller = new AbortController();
    const stream = await longGeneration(host, controller.signal);
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) break;
    }
    controller.abort();
    // The model is no longer busy long before 400 tokens could have been generated.
    await waitFor(async () => (await ps(host)).every((entry) => !entry.in_use), "the model to be idle after the disconnect");
  });

  it("fails a request with a 5xx naming the cause when its runner is killed, and serves the next from a fresh runner", async () => {
    // The runner is found before the generation starts and killed at its first chunk: finding it takes
    // longer than the tiny model takes to fill its context.
    await host.openai().chat.completions.create({ model: NAMES.chatml, messages: [{ role: "user", content: "hello" }], max_tokens: 1 });
    const [runner] = await runnerPids(host);
    assert.ok(runner, "a runner process serves the model");
    const stream = await longGeneration(host, undefined, 1_000_000);
    const chunks = stream[Symbol.asyncIterator]();
    await chunks.next();
    const received = (async () => {
      while (!(await chunks.next()).done) {
        // Reading until the stream fails.
      }
    })();
    process.kill(runner, "SIGKILL");
    await assert.rejects(received, (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError, String(error));
      assert.match(error.message, /runner .* stopped \(killed by SIGKILL\)/);
      return true;
    });

    const completion = await host.openai().chat.completions.create({ model: NAMES.chatml, messages: [{ role: "user", content: "are you back?" }] });
    assert.equal(completion.choices[0]!.message.content, models.chatml.expected.chatReply);
    const [fresh] = await runnerPids(host);
    assert.ok(fresh && fresh !== runner, "a new runner process serves the model");
  });
});
