import assert from "node:assert/strict";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startHost } from "../helpers/host";
import { NAMES, startHostWithModels, type TestModels } from "../helpers/models";
import { prebuiltCpuVariant } from "../helpers/prebuilt-cpu-variant";
import type { TestHost } from "../helpers/host";

async function chat(host: TestHost, models: TestModels): Promise<string | null> {
  const completion = await host.openai().chat.completions.create({
    model: NAMES.chatml,
    messages: [
      { role: "system", content: "You are terse." },
      { role: "user", content: "Say hello." },
    ],
  });
  assert.equal(completion.choices[0]!.finish_reason, "stop");
  return completion.choices[0]!.message.content;
}

describe("lmr install-runner --build", () => {
  it("names the build tools that are missing and the command that installs them", async () => {
    // A PATH with node alone: no git, cmake or compiler.
    const bin = await mkdtemp(path.join(tmpdir(), "lmr-bin-"));
    await symlink(process.execPath, path.join(bin, "node"));
    const host = await startHost({ env: { PATH: bin } });
    try {
      const result = await host.lmr(["install-runner", "--build"]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /building llama\.cpp needs git, cmake, g\+\+, which are not on PATH/);
      assert.match(result.stderr, /sudo apt-get install git cmake g\+\+/);
    } finally {
      await host.stop();
      await rm(bin, { recursive: true, force: true });
    }
  });

  it("refuses to build a GPU backend or vLLM, naming what to run instead", async () => {
    const host = await startHost();
    try {
      const gpu = await host.lmr(["install-runner", "--build", "--gpu", "cuda"]);
      assert.equal(gpu.code, 1);
      assert.match(gpu.stderr, /--build builds llama\.cpp for the CPU/);
      assert.match(gpu.stderr, /lmr install-runner --gpu cuda/);
      const vllm = await host.lmr(["install-runner", "--build", "--backend", "vllm"]);
      assert.equal(vllm.code, 1);
      assert.match(vllm.stderr, /only llama\.cpp can be built here/);
    } finally {
      await host.stop();
    }
  });

  it("builds llama.cpp for this CPU while models keep answering, and models loaded afterwards run on it", async () => {
    const { host, models } = await startHostWithModels(["chatml"]);
    try {
      let finished = false;
      const build = host.lmr(["install-runner", "--build"]).finally(() => (finished = true));
      while (!/fetching the llama\.cpp source/.test(host.logs())) {
        assert.equal(finished, false, "the build ended before it started");
        await sleep(100);
      }

      const second = await host.lmr(["install-runner", "--build"]);
      assert.equal(second.code, 1);
      assert.match(second.stderr, /llama\.cpp is already being built/);

      // A model loaded meanwhile does not wait minutes for the build: it takes the prebuilt binary.
      assert.equal(await chat(host, models), models.chatml.expected.chatReply);
      assert.equal(finished, false, "the build was over before the model answered; the test proves nothing");
      assert.match(host.logs(), /loaded on llama\.cpp \S+ \(node-llama-cpp's prebuilt binary\)/);

      const result = await build;
      assert.equal(result.code, 0, result.stderr);
      // Built with the flags of the CPU variant the prebuilt binary loads here (prompts ran slower with -march=native).
      const variant = await prebuiltCpuVariant();
      assert.match(result.stdout, new RegExp(`^compiling llama\\.cpp \\S+ for this CPU \\(${variant ? `ggml's ${variant} CPU variant` : "-march=native"}`, "m"));
      assert.match(result.stdout, /^compiling llama\.cpp: 50%$/m);
      assert.match(result.stdout, /^Built llama\.cpp \S+ for this CPU in \d+ s$/m);

      assert.equal((await host.lmr(["unload", "--all"])).code, 0);
      assert.equal(await chat(host, models), models.chatml.expected.chatReply);
      assert.match(host.logs(), /loaded on llama\.cpp \S+ \(built on this machine\)/);
    } finally {
      await host.stop();
    }
  });
});
