import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { streamedGet, TruncatedBodyError } from "../../host/registry/streamed-get";

const BLOB = randomBytes(8 * 1024 * 1024 + 123);
const DIGEST = createHash("sha256").update(BLOB).digest("hex");

/** The server's routes: the blob with a length, chunked, cut halfway, and redirects. */
function handler(request: IncomingMessage, response: ServerResponse, other?: string): void {
  switch (request.url) {
    case "/blob":
      response.writeHead(200, { "content-length": BLOB.length });
      return void response.end(BLOB);
    case "/chunked": {
      response.writeHead(200, { "transfer-encoding": "chunked" });
      // Chunks of odd sizes, so that chunk boundaries fall anywhere in the client's reads.
      for (let offset = 0; offset < BLOB.length; offset += 77_777) response.write(BLOB.subarray(offset, offset + 77_777));
      return void response.end();
    }
    case "/cut":
      response.writeHead(200, { "content-length": BLOB.length });
      response.write(BLOB.subarray(0, BLOB.length / 2), () => response.socket?.destroy());
      return;
    case "/away":
      response.writeHead(307, { location: `${other}/echo-authorization` });
      return void response.end();
    case "/echo-authorization":
      return void response.end(request.headers.authorization ?? "none");
    default:
      response.writeHead(404).end("no such blob");
  }
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("the blob download's GET", () => {
  let server: Server;
  let url: string;
  let otherServer: Server;
  let other: string;
  before(async () => {
    otherServer = createServer((request, response) => handler(request, response));
    other = (await listen(otherServer)).replace("127.0.0.1", "localhost");
    server = createServer((request, response) => handler(request, response, other));
    url = await listen(server);
  });
  after(() => {
    server.close();
    otherServer.close();
  });

  async function digestOf(path: string, slow = false): Promise<string> {
    const response = await streamedGet("test server", new URL(path, url), {});
    assert.equal(response.status, 200);
    const hash = createHash("sha256");
    let reads = 0;
    await response.read((bytes) => {
      hash.update(bytes);
      // Every so often the consumer makes the socket wait, as a full blob writer does.
      return slow && ++reads % 3 === 0 ? sleep(1) : undefined;
    });
    return hash.digest("hex");
  }

  it("hands on every byte of a body with a length, and of a chunked one, also when the reader makes it wait", async () => {
    assert.equal(await digestOf("/blob"), DIGEST);
    assert.equal(await digestOf("/chunked"), DIGEST);
    assert.equal(await digestOf("/chunked", true), DIGEST);
    assert.equal(await digestOf("/blob", true), DIGEST);
  });

  it("says the body was cut short when the connection closes before its end", async () => {
    const response = await streamedGet("test server", new URL("/cut", url), {});
    await assert.rejects(response.read(() => undefined), TruncatedBodyError);
  });

  it("answers an error status with its body, and leaves Authorization behind on a redirect to another origin", async () => {
    const missing = await streamedGet("test server", new URL("/nothing", url), {});
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), "no such blob");
    const moved = await streamedGet("test server", new URL("/away", url), { Authorization: "Bearer secret" });
    assert.equal(await moved.text(), "none");
    const same = await streamedGet("test server", new URL("/echo-authorization", url), { Authorization: "Bearer secret" });
    assert.equal(await same.text(), "Bearer secret");
  });

  it("names the server it cannot reach", async () => {
    const closed = createServer();
    const address = await listen(closed);
    closed.close();
    await assert.rejects(streamedGet("registry.test", new URL("/blob", address), {}), /Cannot reach registry\.test/);
  });

  it("downloads over HTTPS, trusting the certificates Node trusts", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "lmr-tls-"));
    const [key, cert] = [path.join(dir, "key.pem"), path.join(dir, "cert.pem")];
    await execa("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]);
    const tls = createHttpsServer({ key: await readFile(key), cert: await readFile(cert) }, (request, response) => handler(request, response));
    try {
      const address = (await listen(tls)).replace("http:", "https:").replace("127.0.0.1", "localhost");
      const client = path.resolve(import.meta.dirname, "../fixtures/streamed-get-client.ts");
      const trusted = await execa(process.execPath, ["--import", "tsx", client, `${address}/blob`], { env: { NODE_EXTRA_CA_CERTS: cert } });
      assert.equal(trusted.stdout, `200 ${DIGEST}`);
      const untrusted = await execa(process.execPath, ["--import", "tsx", client, `${address}/blob`], { reject: false });
      assert.notEqual(untrusted.exitCode, 0);
      assert.match(untrusted.stderr, /self.signed certificate/i);
    } finally {
      tls.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
