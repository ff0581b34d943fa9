/**
 * Several real processes on one store. The file runs itself as the worker process when
 * LMR_STORE_WORKER is set, so the test and the code it drives stay in one place.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, stat, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { ConflictError } from "../../host/errors";
import { ModelIndexSchema } from "../../host/protocol/store";
import { withFileLock } from "../../host/store/lock";
import { packageGguf } from "../../host/store/package";
import { ModelStore } from "../../host/store/store";
import { fillWith, temporaryDir, writeTinyGguf } from "./store-fixtures";

const ROUNDS = 15;
const sha256 = (data: Uint8Array | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;
const BLOB = Buffer.alloc(64 * 1024, 1);

const worker = process.env.LMR_STORE_WORKER;
if (worker) {
  await runWorker(worker, process.env.LMR_STORE_ROOT!, process.env.LMR_WORKER_NAME!);
} else {
  describe("ModelStore across processes", () => {
    it("loses no tag when two processes tag at once", async () => {
      const work = await temporaryDir("concurrent-tag");
      const root = path.join(work, "models");
      const gguf = path.join(work, "base.gguf");
      await writeTinyGguf(gguf);
      const store = await ModelStore.open({ root });
      const base = await packageGguf(store, { gguf }, "base");

      await Promise.all(["a", "b"].map((name) => finished(startWorker("tag", root, name))));

      const index = ModelIndexSchema.parse(JSON.parse(await readFile(path.join(root, "models.json"), "utf8")));
      assert.equal(index.models.length, 1);
      const expected = ["ai/base:latest", ...["a", "b"].flatMap((name) => Array.from({ length: ROUNDS }, (_, i) => `${name}/model:t${i}`))];
      assert.deepEqual([...index.models[0]!.tags].sort(), expected.sort());
      assert.equal((await store.get("b/model:t3")).id, base.id);
    });

    it("keeps every model when two processes package at once", async () => {
      const root = path.join(await temporaryDir("concurrent-package"), "models");
      await Promise.all(["a", "b"].map((name) => finished(startWorker("package", root, name))));
      const store = await ModelStore.open({ root });
      const models = await store.list();
      assert.deepEqual(models.flatMap((model) => model.tags.map(String)).sort(), ["a/one:latest", "a/three:latest", "a/two:latest", "b/one:latest", "b/three:latest", "b/two:latest"]);
      for (const model of models) {
        const [weights] = await store.ggufPaths(model);
        assert.ok((await stat(weights!)).size > 0);
      }
    });

    it("waits for a live holder, and takes over a lock whose holder died or went silent", async () => {
      const locks = path.join(await temporaryDir("locks"), "locks");
      const held = path.join(locks, "held.lock");
      let release!: () => void;
      const holding = withFileLock(held, () => new Promise<void>((resolve) => (release = resolve)));
      while (!(await stat(held).catch(() => undefined))) await sleep(5);
      await assert.rejects(withFileLock(held, async () => "never", { timeoutMs: 50 }), (error: ConflictError) => {
        assert.ok(error instanceof ConflictError);
        assert.match(error.message, new RegExp(`held by process ${process.pid}`));
        assert.match(error.fix ?? "", /delete .*held\.lock/);
        return true;
      });
      release();
      await holding;
      assert.equal(await withFileLock(held, async () => "free again"), "free again");

      const dead = spawn(process.execPath, ["-e", ""]);
      const deadPid = dead.pid!;
      await new Promise((resolve) => dead.once("exit", resolve));
      const orphan = path.join(locks, "orphan.lock");
      await mkdir(locks, { recursive: true });
      await writeFile(orphan, JSON.stringify({ pid: deadPid, hostname: hostname(), token: "dead" }));
      assert.equal(await withFileLock(orphan, async () => "taken over", { timeoutMs: 0 }), "taken over");

      const silent = path.join(locks, "silent.lock");
      await writeFile(silent, "not even JSON");
      const longAgo = new Date(Date.now() - 10 * 60_000);
      await utimes(silent, longAgo, longAgo);
      assert.equal(await withFileLock(silent, async () => "taken over", { timeoutMs: 0 }), "taken over");
      await assert.rejects(stat(silent), { code: "ENOENT" }, "released after use");
    });

    it("shows nothing of a process killed mid-download, and the next one resumes its blob", async () => {
      const root = path.join(await temporaryDir("killed"), "models");
      const store = await ModelStore.open({ root });
      const child = startWorker("blob", root, "killed");
      const incomplete = `${store.blobs.path(sha256(BLOB))}.incomplete`;
      while (((await stat(incomplete).catch(() => undefined))?.size ?? 0) < 1024) {
        assert.equal(child.exitCode, null, "the worker is still writing");
        await sleep(20);
      }
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));

      assert.deepEqual(await store.list(), []);
      assert.equal(await store.blobs.has(sha256(BLOB)), false);
      const offset = await store.blobs.incompleteSize(sha256(BLOB));
      assert.ok(offset > 0);

      // The dead writer's blob lock is stale: this write takes it over instead of waiting.
      await store.blobs.write(sha256(BLOB), fillWith(BLOB.subarray(offset)));
      assert.deepEqual(await readFile(store.blobs.path(sha256(BLOB))), BLOB);
    });
  });
}

function startWorker(mode: string, root: string, name: string): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url)], {
    env: { ...process.env, LMR_STORE_WORKER: mode, LMR_STORE_ROOT: root, LMR_WORKER_NAME: name },
    stdio: ["ignore", "inherit", "inherit"],
  });
}

async function finished(child: ChildProcess): Promise<void> {
  const code = await new Promise((resolve) => child.once("exit", resolve));
  assert.equal(code, 0, "the worker process succeeded");
}

async function runWorker(mode: string, root: string, name: string): Promise<void> {
  const store = await ModelStore.open({ root });
  if (mode === "tag") {
    for (let i = 0; i < ROUNDS; i += 1) await store.tag("base", `${name}/model:t${i}`);
  } else if (mode === "package") {
    for (const [seed, model] of ["one", "two", "three"].entries()) {
      const gguf = path.join(path.dirname(root), `${name}-${model}.gguf`);
      await writeTinyGguf(gguf, { seed: seed + (name === "a" ? 10 : 20) });
      await packageGguf(store, { gguf }, `${name}/${model}`);
    }
  } else if (mode === "blob") {
    // Writes the first half, then waits (a live timer keeps the process up) to be killed.
    await store.blobs.write(sha256(BLOB), fillWith(BLOB.subarray(0, BLOB.length / 2), new Promise<never>(() => setInterval(() => undefined, 60_000))));
  }
  await writeFile(path.join(path.dirname(root), `${name}.done`), "");
}
