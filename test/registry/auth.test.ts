import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseChallenge } from "../../host/registry/challenge";
import { findCredentials, lmrCredentialsPath } from "../../host/registry/credentials";
import { registryBaseUrl } from "../../host/registry/endpoint";
import { login, logout } from "../../host/registry/login";
import { pullModel } from "../../host/registry/pull";
import { pushModel } from "../../host/registry/push";
import { ModelStore } from "../../host/store/store";
import { handBuiltArtifact, storeArtifact } from "../fixtures/registry-artifacts";
import { defaultUsers, startRegistry, type TestRegistry } from "../fixtures/registry";

describe("registry addresses, challenges and saved credentials", () => {
  it("speaks HTTPS except to loopback registries and those in LMR_INSECURE_REGISTRIES", () => {
    assert.equal(registryBaseUrl("docker.io", {}).href, "https://registry-1.docker.io/");
    assert.equal(registryBaseUrl("registry.example.com", {}).href, "https://registry.example.com/");
    assert.equal(registryBaseUrl("localhost:5000", {}).href, "http://localhost:5000/");
    assert.equal(registryBaseUrl("127.0.0.1:5000", {}).href, "http://127.0.0.1:5000/");
    const env = { LMR_INSECURE_REGISTRIES: "lab.internal:5000, other.lan" };
    assert.equal(registryBaseUrl("lab.internal:5000", env).href, "http://lab.internal:5000/");
    assert.equal(registryBaseUrl("lab.internal", env).href, "https://lab.internal/");
  });

  it("parses Docker Hub's challenge, one scope per space-separated entry", () => {
    assert.deepEqual(
      parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:ai/smollm2:pull repository:ai/other:pull",error="insufficient_scope"'),
      {
        scheme: "bearer",
        realm: "https://auth.docker.io/token",
        service: "registry.docker.io",
        scopes: ["repository:ai/smollm2:pull", "repository:ai/other:pull"],
        error: "insufficient_scope",
      },
    );
    assert.deepEqual(parseChallenge('Basic realm="Registry Realm"'), { scheme: "basic", realm: "Registry Realm" });
    assert.equal(parseChallenge(null), undefined);
  });

  it("reads Docker's config.json auths, keyed by URL or host", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lmr-credentials-"));
    try {
      const env = { LMR_HOME: join(dir, "lmr"), DOCKER_CONFIG: join(dir, "docker") };
      await mkdir(env.DOCKER_CONFIG, { recursive: true });
      await writeFile(join(env.DOCKER_CONFIG, "config.json"), JSON.stringify({
        auths: {
          "https://index.docker.io/v1/": { auth: Buffer.from("hubuser:hubpass").toString("base64") },
          "registry.example.com": { username: "ci", password: "token:with:colons" },
        },
        credsStore: "desktop",
      }));
      assert.deepEqual(await findCredentials("docker.io", env), { username: "hubuser", password: "hubpass" });
      assert.deepEqual(await findCredentials("registry.example.com", env), { username: "ci", password: "token:with:colons" });
      assert.equal(await findCredentials("elsewhere.example.com", env), undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("Bearer token auth against docker-registry and its token server", () => {
  let registry: TestRegistry;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    registry = await startRegistry({ auth: "token" });
    dir = await mkdtemp(join(tmpdir(), "lmr-token-"));
    env = { ...process.env, LMR_HOME: join(dir, "lmr"), DOCKER_CONFIG: join(dir, "docker") };
  });

  after(async () => {
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("logs in, keeps the password readable by the owner only, and logs out", async () => {
    const [user, password] = Object.entries(defaultUsers)[0]!;
    await login(`http://${registry.host}/`, user, password, { env });
    assert.deepEqual(await findCredentials(registry.host, env), { username: user, password });
    assert.equal((await stat(lmrCredentialsPath(env))).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(await readFile(lmrCredentialsPath(env), "utf8")).auths[registry.host], { username: user, password });
    assert.equal(await logout(registry.host, { env }), true);
    assert.equal(await findCredentials(registry.host, env), undefined);
    assert.equal(await logout(registry.host, { env }), false);
  });

  it("asks for a token per set of scopes and reuses it for every blob of a pull", async () => {
    const [user, password] = Object.entries(defaultUsers)[0]!;
    await login(registry.host, user, password, { env });
    const store = await ModelStore.open({ root: join(dir, "store") });
    const layers = [1, 2, 3].map((n) => ({ mediaType: "application/vnd.docker.ai.gguf.v3", bytes: Buffer.alloc(1000 * n, n) }));
    await storeArtifact(store, `${registry.host}/team/sharded:Q8_0`, handBuiltArtifact(layers));
    await pushModel(store, `${registry.host}/team/sharded:Q8_0`, { env });
    const requests = registry.tokenServer!.requests;
    const countBefore = requests.length;
    await pullModel(await ModelStore.open({ root: join(dir, "pulled") }), `${registry.host}/team/sharded:Q8_0`, { env });
    const pullRequests = requests.slice(countBefore);
    // One for the connection check, one for the repository: not one per blob.
    assert.ok(pullRequests.length <= 2, `${pullRequests.length} token requests for one pull`);
    assert.ok(pullRequests.every((request) => request.account === user));
    assert.ok(pullRequests.some((request) => request.scopes.includes("repository:team/sharded:pull")));
  });
});
