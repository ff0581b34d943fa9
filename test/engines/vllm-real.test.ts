import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { execa } from "execa";
import { findOnPath } from "../../host/engines/find-on-path";
import { hasNvidiaGpu } from "../../host/engines/vllm/preconditions";
import { SAFETENSORS_CONTEXT, writeSafetensorsModel } from "../fixtures/vllm";
import { lmr, startHost } from "../helpers/host";

const vllm = await findOnPath("vllm");
const MODEL = "test/tiny-llama-vllm";

interface EngineStatusJson {
  state: string;
  version?: string;
  detail: string;
}

describe("the real vLLM, where one is installed", () => {
  it("reports its version in lmr status and, with an NVIDIA GPU, serves a tiny safetensors Llama", { skip: !vllm && "no vllm on PATH" }, async () => {
    const work = await mkdtemp(path.join(tmpdir(), "lmr-vllm-real-"));
    const modelsPath = path.join(work, "store");
    const packaged = await lmr(["package", "--safetensors-dir", await writeSafetensorsModel(path.join(work, "hf")), "--models-path", modelsPath, MODEL]);
    assert.equal(packaged.code, 0, packaged.stderr);
    const host = await startHost({ modelsPath, env: { LMR_VLLM_BIN: "" } });
    try {
      const version = (await execa(vllm!, ["--version"])).stdout.trim().split("\n").pop()!;
      const status = JSON.parse((await host.lmr(["status", "--json"])).stdout) as Record<string, EngineStatusJson>;
      if (!(await hasNvidiaGpu())) {
        assert.equal(status.vllm!.state, "not-installed");
        assert.match(status.vllm!.detail, /no NVIDIA GPU/);
        return;
      }
      assert.deepEqual([status.vllm!.state, status.vllm!.version], ["running", version]);
      assert.match((await host.lmr(["status"])).stdout, new RegExp(`^vllm: Running: ${version.replace(/[.+]/g, "\\$&")}$`, "m"));

      // Its weights are all one value: what it says is noise, so the test counts tokens instead of reading them.
      const completion = await host.openai("/engines/vllm/v1").completions.create({
        model: MODEL,
        prompt: "w1 w2 w3",
        max_tokens: 4,
        temperature: 0,
        // @ts-expect-error ignore_eos is vLLM's extra sampling field
        ignore_eos: true,
      });
      assert.equal(completion.model, `${MODEL}:latest`);
      assert.equal(completion.usage?.completion_tokens, 4);
      assert.equal(completion.choices[0]!.finish_reason, "length");
      assert.match(host.logs(), /\[vllm\] starting \S+ serve /);

      const [entry] = JSON.parse((await host.lmr(["ps", "--json"])).stdout) as { backend_name: string; context_size: number }[];
      assert.deepEqual([entry?.backend_name, entry?.context_size], ["vllm", SAFETENSORS_CONTEXT]);
      const served = async () => (await execa("pgrep", ["-f", "--", `--served-model-name ${MODEL}:latest`], { reject: false })).stdout.trim();
      assert.notEqual(await served(), "", "a vllm process serves the model");
      assert.equal((await host.lmr(["unload", `${MODEL}:latest`])).code, 0);
      for (let i = 0; i < 600 && (await served()) !== ""; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(await served(), "", "vllm stopped on unload");
    } finally {
      await host.stop();
      await rm(work, { recursive: true, force: true });
    }
  });
});
