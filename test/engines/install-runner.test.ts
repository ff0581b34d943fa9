import assert from "node:assert/strict";
import { createServer } from "node:net";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { getLlamaGpuTypes } from "node-llama-cpp";
import { installLlamaCpp } from "../../host/engines/llamacpp/install";
import { hasNvidiaGpu } from "../../host/engines/vllm/preconditions";
import { EngineUnavailableError } from "../../host/errors";
import { VLLM_STANDIN } from "../fixtures/vllm";
import { startHost, type TestHost } from "../helpers/host";

/** node-llama-cpp's exact pin; its binary packages must match it. */
const NODE_LLAMA_CPP = "3.21.1";

/** A loopback port nothing listens on: npm's registry "down". */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("lmr install-runner and reinstall-runner through the host", () => {
  let host: TestHost;

  before(async () => {
    // Node's own folder is all the PATH this host has: it holds node and npm, not vllm.
    host = await startHost({ env: { PATH: path.dirname(process.execPath), LMR_VLLM_BIN: "" } });
  });
  after(() => host?.stop());

  it("--gpu none makes sure of the CPU binary and reports llama.cpp running on the CPU", async () => {
    const result = await host.lmr(["install-runner", "--backend", "llama.cpp", "--gpu", "none"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^(Installed|Already installed:) @node-llama-cpp\/\S+@3\.21\.1/m);
    assert.match(result.stdout, /^llama\.cpp: running \S+, GPU: none \(CPU\)$/m);

    const json = JSON.parse((await host.lmr(["install-runner", "--gpu", "none", "--json"])).stdout) as { gpu: string; present: string[] };
    assert.equal(json.gpu, "cpu");
    assert.match(json.present[0] ?? "", /^@node-llama-cpp\/\S+@3\.21\.1$/);
  });

  it("--gpu cuda installs CUDA's binary where the driver is, and says the driver is missing where it is not", async () => {
    const result = await host.lmr(["install-runner", "--backend", "llama.cpp", "--gpu", "cuda"]);
    if ((await getLlamaGpuTypes("supported")).includes("cuda")) {
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^llama\.cpp: running \S+, GPU: cuda \(.+\)$/m);
    } else {
      assert.equal(result.code, 1);
      assert.match(result.stderr, /the CUDA driver is missing/);
      assert.match(result.stderr, /Install the NVIDIA driver and the CUDA runtime/);
    }
  });

  it("--backend vllm says what this machine lacks and the command that sets vLLM up", async () => {
    const result = await host.lmr(["install-runner", "--backend", "vllm", "--gpu", "cuda"]);
    assert.equal(result.code, 1);
    if (!(await hasNvidiaGpu())) assert.match(result.stderr, /vLLM cannot be set up here: no NVIDIA GPU found/);
    assert.match(result.stderr, /pip install vllm/);
    assert.match(result.stderr, /--vllm-url|LMR_VLLM_BIN/);
  });

  it("refuses what it cannot do, naming the choices", async () => {
    const rocm = await host.lmr(["install-runner", "--gpu", "rocm"]);
    assert.equal(rocm.code, 1);
    assert.match(rocm.stderr, /--gpu: must be one of auto, none, cuda, vulkan, metal/);

    const cpuVllm = await host.lmr(["install-runner", "--backend", "vllm", "--gpu", "none"]);
    assert.equal(cpuVllm.code, 1);
    assert.match(cpuVllm.stderr, /vLLM runs on NVIDIA GPUs through CUDA/);

    const response = await fetch(`${host.url}/engines/install`, { method: "POST", body: JSON.stringify({ backend: "onnx" }) });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: { param: string } }).error.param, "backend");
  });

  it("finds the vllm the host was given and reports its version, as lmr status does", async () => {
    const withVllm = await startHost({ args: ["--vllm-bin", VLLM_STANDIN] });
    try {
      const result = await withVllm.lmr(["install-runner", "--backend", "vllm"]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.trim(), `vllm: running 0.11.0 (${VLLM_STANDIN})`);
      assert.match((await withVllm.lmr(["status"])).stdout, /^vllm: Running: 0\.11\.0$/m);
    } finally {
      await withVllm.stop();
    }
  });
});

describe("installing node-llama-cpp's prebuilt package with npm", () => {
  let root: string;
  let modulesDir: string;
  const npmEnv = { npm_config_registry: process.env.npm_config_registry, npm_config_fetch_retries: process.env.npm_config_fetch_retries };
  const restoreNpmEnv = () => {
    for (const [key, value] of Object.entries(npmEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), "lmr-install-"));
    modulesDir = path.join(root, "node_modules");
    await mkdir(modulesDir);
  });
  after(async () => {
    restoreNpmEnv();
    await rm(root, { recursive: true, force: true });
  });

  it("says there is no network, and the command to run, when npm cannot reach its registry", async () => {
    process.env.npm_config_registry = `http://127.0.0.1:${await closedPort()}/`;
    process.env.npm_config_fetch_retries = "0";
    try {
      await assert.rejects(installLlamaCpp({ gpu: "none" }, modulesDir), (error: unknown) => {
        assert.ok(error instanceof EngineUnavailableError);
        assert.equal(error.code, "no_network");
        assert.match(error.message, /^no network: npm cannot reach its registry to download @node-llama-cpp\/\S+@3\.21\.1$/);
        assert.match(error.fix ?? "", new RegExp(`npm install --no-save @node-llama-cpp/\\S+@3\\.21\\.1 \\(in ${root}\\)`));
        return true;
      });
    } finally {
      restoreNpmEnv();
    }
  });

  it("installs the missing package at node-llama-cpp's exact version, finds it the next time, and installs it again on reinstall", async () => {
    const first = await installLlamaCpp({ gpu: "none" }, modulesDir);
    assert.equal(first.gpu, "cpu");
    assert.equal(first.installed.length, 1);
    assert.match(first.installed[0]!, /^@node-llama-cpp\/\S+@3\.21\.1$/);
    const name = first.installed[0]!.replace(/@3\.21\.1$/, "");
    const installed = JSON.parse(await readFile(path.join(modulesDir, name, "package.json"), "utf8")) as { name: string; version: string };
    assert.deepEqual([installed.name, installed.version], [name, NODE_LLAMA_CPP]);

    const again = await installLlamaCpp({ gpu: "none" }, modulesDir);
    assert.deepEqual([again.installed, again.present], [[], first.installed]);

    const reinstalled = await installLlamaCpp({ gpu: "none", reinstall: true }, modulesDir);
    assert.deepEqual(reinstalled.installed, first.installed);
    assert.equal(JSON.parse(await readFile(path.join(modulesDir, name, "package.json"), "utf8")).version, NODE_LLAMA_CPP);
  });
});
