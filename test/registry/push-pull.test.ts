import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AuthenticationError } from "../../host/errors";
import type { ProgressLine } from "../../host/protocol/progress";
import { progressLineSchema } from "../../host/protocol/progress";
import { login } from "../../host/registry/login";
import { pullModel } from "../../host/registry/pull";
import { pushModel } from "../../host/registry/push";
import { ModelStore } from "../../host/store/store";
import { handBuiltArtifact, storeArtifact, writeTestGguf } from "../fixtures/registry-artifacts";
import { defaultUsers, startRegistry, type RegistryAuthMode, type TestRegistry } from "../fixtures/registry";

for (const mode of ["none", "basic", "token"] as const satisfies RegistryAuthMode[]) {
  describe(`push and pull through docker-registry (${mode === "none" ? "no auth" : mode === "basic" ? "htpasswd Basic auth" : "Bearer token auth"})`, () => {
    let registry: TestRegistry;
    let dir: string;
    let env: NodeJS.ProcessEnv;
    let source: ModelStore;
    let gguf: Buffer;
    let license: Buffer;

    before(async () => {
      registry = await startRegistry({ auth: mode });
      dir = await mkdtemp(join(tmpdir(), "lmr-push-pull-"));
      env = { ...process.env, LMR_HOME: join(dir, "lmr"), DOCKER_CONFIG: join(dir, "docker") };
      source = await ModelStore.open({ root: join(dir, "source") });
      // Over 4 MiB, so its pull goes through the download thread; the license comes whole on the calling thread.
      await writeTestGguf(join(dir, "model.gguf"), { weightBytes: 5 * 1024 * 1024 });
      gguf = await readFile(join(dir, "model.gguf"));
      license = Buffer.from("MIT License\n\nPermission is hereby granted…\n");
      const artifact = handBuiltArtifact([
        { mediaType: "application/vnd.docker.ai.gguf.v3", bytes: gguf },
        { mediaType: "application/vnd.docker.ai.license", bytes: license },
      ]);
      await storeArtifact(source, `${registry.host}/team/coder:Q8_0`, artifact);
      if (mode !== "none") {
        const [user, password] = Object.entries(defaultUsers)[0]!;
        await login(registry.host, user, password, { env });
      }
    });

    after(async () => {
      await registry.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it("pushes a model in chunks and pulls it back byte-identical, with the same ID", async () => {
      const lines: ProgressLine[] = [];
      const pushed = await pushModel(source, `${registry.host}/team/coder:Q8_0`, {
        env,
        chunkSize: 1024 * 1024,
        onProgress: (line) => lines.push(progressLineSchema.parse(line)),
      });
      const uploaded = lines.filter((line) => line.type === "progress" && line.layer?.current === line.layer?.size);
      assert.ok(uploaded.some((line) => line.layer?.size === gguf.length), "the GGUF layer reports its upload to the end");
      assert.equal(lines.at(-1)?.type, "success");

      const target = await ModelStore.open({ root: join(dir, "target") });
      const pulled = await pullModel(target, `${registry.host}/team/coder:Q8_0`, { env });
      assert.equal(pulled.id, pushed.digest);
      const [ggufLayer, licenseLayer] = pulled.manifest.layers;
      assert.deepEqual(await readFile(target.blobs.path(ggufLayer!.digest)), gguf);
      assert.deepEqual(await readFile(target.blobs.path(licenseLayer!.digest)), license);
      assert.deepEqual((await target.get(`${registry.host}/team/coder:Q8_0`)).id, pushed.digest);
    });

    it("pushes a second tag without sending the blobs again", async () => {
      const second = `${registry.host}/team/coder:latest`;
      await source.tag(`${registry.host}/team/coder:Q8_0`, second);
      const lines: ProgressLine[] = [];
      await pushModel(source, second, { env, onProgress: (line) => lines.push(line) });
      assert.deepEqual(lines.filter((line) => line.layer && line.layer.current < line.layer.size), []);
      const target = await ModelStore.open({ root: join(dir, "second") });
      const pulled = await pullModel(target, second, { env });
      assert.deepEqual(await readFile(target.blobs.path(pulled.manifest.layers[0]!.digest)), gguf);
    });

    it("mounts blobs from another repository of the registry instead of uploading them", async () => {
      const other = `${registry.host}/other/coder:v1`;
      await source.tag(`${registry.host}/team/coder:Q8_0`, other);
      const lines: ProgressLine[] = [];
      await pushModel(source, other, { env, onProgress: (line) => lines.push(line) });
      const partial = lines.filter((line) => line.layer && line.layer.current < line.layer.size);
      assert.deepEqual(partial, [], "every blob arrived whole at once: mounted, not uploaded");
      const target = await ModelStore.open({ root: join(dir, "mounted") });
      assert.ok(await pullModel(target, other, { env }));
    });

    it("reports a tag that does not exist as not found, with what to do", async () => {
      const target = await ModelStore.open({ root: join(dir, "missing") });
      await assert.rejects(pullModel(target, `${registry.host}/team/coder:Q2_K`, { env }), (error: Error & { fix?: string }) => {
        assert.match(error.message, /team\/coder:Q2_K does not exist/);
        assert.match(error.fix ?? "", /lmr quants/);
        return true;
      });
      assert.deepEqual(await target.list(), []);
    });

    if (mode !== "none") {
      it("refuses wrong credentials with an error that says to log in", async () => {
        await assert.rejects(login(registry.host, "alice", "not-the-password", { env }), (error) => {
          assert.ok(error instanceof AuthenticationError);
          assert.match(error.message, /rejected/);
          assert.match(error.fix ?? "", new RegExp(`lmr login ${registry.host.replace(/\./g, "\\.")}`));
          return true;
        });
        const dockerEnv = { ...env, LMR_HOME: join(dir, "nobody"), DOCKER_CONFIG: join(dir, "docker-wrong") };
        const auth = Buffer.from("alice:wrong").toString("base64");
        await mkdir(join(dir, "docker-wrong"), { recursive: true });
        await writeFile(join(dir, "docker-wrong", "config.json"), JSON.stringify({ auths: { [`http://${registry.host}`]: { auth } } }));
        const target = await ModelStore.open({ root: join(dir, "wrong") });
        await assert.rejects(pullModel(target, `${registry.host}/team/coder:Q8_0`, { env: dockerEnv }), AuthenticationError);
        assert.deepEqual(await target.list(), []);
      });

      it("asks anonymous users to log in", async () => {
        const anonymous = { ...env, LMR_HOME: join(dir, "anonymous"), DOCKER_CONFIG: join(dir, "anonymous") };
        const target = await ModelStore.open({ root: join(dir, "anonymous-store") });
        await assert.rejects(pullModel(target, `${registry.host}/team/coder:Q8_0`, { env: anonymous }), (error) => {
          assert.ok(error instanceof AuthenticationError);
          assert.match(error.fix ?? "", /lmr login/);
          return true;
        });
      });
    }
  });
}
