import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { lmr, startHost, type TestHost } from "../helpers/host";
import { writeTinyModel, type TinyModel } from "../fixtures/model-tiny";
import { startRegistry, type TestRegistry } from "../fixtures/registry";

describe("lmr package --push, pull, push and quants against a real registry", () => {
  let registry: TestRegistry;
  let host: TestHost;
  let dir: string;
  let model: TinyModel;
  let env: Record<string, string>;

  before(async () => {
    registry = await startRegistry();
    dir = await mkdtemp(path.join(tmpdir(), "lmr-cli-registry-"));
    model = await writeTinyModel(dir);
    // Credentials and insecure-registry settings of this test only.
    env = { LMR_HOME: path.join(dir, "home"), DOCKER_CONFIG: path.join(dir, "docker") };
    host = await startHost({ env });
  });
  after(async () => {
    await host?.stop();
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("packages a GGUF file and pushes it in one step", async () => {
    const result = await lmr(["package", "--gguf", model.path, "--models-path", path.join(dir, "packaging-store"), "--push", `${registry.host}/team/tiny:F32`], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`Pushed ${registry.host}/team/tiny:F32 \\(sha256:[0-9a-f]{64}\\)`));
  });

  it("lists the repository's quantizations before anything is pulled", async () => {
    const result = await host.lmr(["quants", `${registry.host}/team/tiny`], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^${registry.host}/team/tiny:F32\\s+F32\\s+32\\.00\\s+${model.expected.parameters.replace(".", "\\.")}\\s.*\\syes$`, "m"));
  });

  it("pulls it through the host with plain progress lines when piped, then runs it", async () => {
    const pulled = await host.lmr(["pull", `${registry.host}/team/tiny:F32`], { env });
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(pulled.stdout, /^[0-9a-f]{12}: .* done$/m);
    assert.match(pulled.stdout, new RegExp(`Pulled ${registry.host}/team/tiny:F32`));
    assert.match((await host.lmr(["ls"], { env })).stdout, new RegExp(`^${registry.host}/team/tiny:F32\\s`, "m"));
    const answer = await host.lmr(["run", `${registry.host}/team/tiny:F32`, "hello"], { env });
    assert.equal(answer.stdout.trim(), model.expected.chatReply);
  });

  it("tags and pushes a model of the host's store to another repository", async () => {
    assert.equal((await host.lmr(["tag", `${registry.host}/team/tiny:F32`, `${registry.host}/other/tiny:v2`], { env })).code, 0);
    const pushed = await host.lmr(["push", `${registry.host}/other/tiny:v2`], { env });
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.match(pushed.stdout, new RegExp(`Pushed ${registry.host}/other/tiny:v2`));
  });

  it("says clearly when the tag is not in the registry, and stores nothing", async () => {
    const result = await host.lmr(["pull", `${registry.host}/team/tiny:nope`], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^Error: .*nope/m);
    assert.doesNotMatch((await host.lmr(["ls"], { env })).stdout, /:nope/);
  });
});
