import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import type { HostConnection } from "../../../extension/client";
import { eventually, fixture, modelRunner } from "./extension-api";

/** The host processes this extension host started: its children running `lmr.mjs serve --stdio`. */
function hostProcesses(): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        return ppid === process.pid && argv.some((arg) => arg.endsWith("lmr.mjs")) && argv.includes("--stdio");
      } catch {
        return false; // exited while we looked
      }
    })
    .map(Number);
}

/** SIGKILLs the host and waits for its successor's address, which differs: it listens on a new port. */
async function crash(host: HostConnection, pid: number): Promise<string> {
  const before = await host.apiUrl();
  process.kill(pid, "SIGKILL");
  return eventually("the restarted host's address", async () => {
    const url = await host.apiUrl().catch(() => undefined);
    return url && url !== before ? url : undefined;
  });
}

describe("restart after a crash", () => {
  it("a killed host is started again, on a new address, and serves the store", async () => {
    const { host, models } = await modelRunner();
    const [pid, ...others] = hostProcesses();
    assert.ok(pid, "the host runs as a child of the extension host");
    assert.deepEqual(others, []);
    const told: string[] = [];
    const listening = host.onCrashReported((message) => told.push(message));
    const after = await crash(host, pid);
    assert.equal((await fetch(after)).status, 200);
    const [restarted, ...more] = hostProcesses();
    assert.notEqual(restarted, pid);
    assert.deepEqual(more, []);
    const rows = await eventually("the Models view after the restart", async () => {
      const found = (await models.getChildren()).map((row) => row.label);
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(rows, [fixture.localModel]);
    listening.dispose();
    assert.deepEqual(told, ["Model Runner: the host stopped unexpectedly and was restarted."]);
  });

  it("later crashes restart the host without telling the user again", async () => {
    const { host } = await modelRunner();
    const told: string[] = [];
    const listening = host.onCrashReported((message) => told.push(message));
    try {
      // The test above already crashed this client's host once, and the user was told then.
      for (const _ of [1, 2]) {
        const [pid] = hostProcesses();
        assert.ok(pid);
        await crash(host, pid);
      }
    } finally {
      listening.dispose();
    }
    assert.deepEqual(told, []);
  });
});
