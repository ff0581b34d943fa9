import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
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

describe("restart after a crash", () => {
  it("a killed host is started again, on a new address, and serves the store", async () => {
    const { host, models } = await modelRunner();
    const before = await host.apiUrl();
    const [pid, ...others] = hostProcesses();
    assert.ok(pid, "the host runs as a child of the extension host");
    assert.deepEqual(others, []);
    process.kill(pid, "SIGKILL");

    const after = await eventually("the restarted host's address", async () => {
      const url = await host.apiUrl().catch(() => undefined);
      return url && url !== before ? url : undefined;
    });
    assert.equal((await fetch(after)).status, 200);
    const [restarted, ...more] = hostProcesses();
    assert.notEqual(restarted, pid);
    assert.deepEqual(more, []);
    const rows = await eventually("the Models view after the restart", async () => {
      const found = (await models.getChildren()).map((row) => row.label);
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(rows, [fixture.localModel]);
  });
});
