/**
 * Pull throughput from a loopback registry: our client (downloads hashed while streaming, verified
 * and committed to the store) against curl downloading the same blob to a file on the same disk,
 * measured side by side in one run.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { pullModel } from "../host/registry/pull";
import { pushModel } from "../host/registry/push";
import { packageGguf } from "../host/store/package";
import { ModelStore } from "../host/store/store";
import { writeModelOfSize } from "../test/fixtures/model-sized";
import { startRegistry } from "../test/fixtures/registry";
import { median } from "./measure";

const exec = promisify(execFile);

export interface PullThroughput {
  bytes: number;
  /** Median bytes per second over the repetitions. */
  curl: number;
  ours: number;
  /** Ours against curl in the same round, the median over the rounds: load that changes between rounds drops out. */
  ratio: number;
}

export async function measurePullThroughput({ bytes = 2 ** 30, repetitions = 5 } = {}): Promise<PullThroughput> {
  const dir = await mkdtemp(path.join(tmpdir(), "lmr-bench-pull-"));
  const registry = await startRegistry();
  try {
    const model = await writeModelOfSize(dir, { bytes });
    const source = await ModelStore.open({ root: path.join(dir, "source") });
    const reference = `${registry.host}/bench/big:latest`;
    const packaged = await packageGguf(source, { gguf: model.path }, reference);
    await pushModel(source, reference);
    const layer = packaged.manifest.layers[0]!;
    const blobUrl = `${registry.url}/v2/bench/big/blobs/${layer.digest}`;

    const curl: number[] = [];
    const ours: number[] = [];
    const measureCurl = async () => {
      const download = path.join(dir, "curl-download");
      const { stdout } = await exec("curl", ["-sSf", "-o", download, "-w", "%{speed_download}", blobUrl]);
      curl.push(Number(stdout));
      await rm(download);
    };
    const measureOurs = async (i: number) => {
      const root = path.join(dir, `pulled-${i}`);
      const store = await ModelStore.open({ root });
      const started = performance.now();
      await pullModel(store, reference);
      ours.push(packaged.size / ((performance.now() - started) / 1000));
      await rm(root, { recursive: true, force: true });
    };
    for (let i = 0; i < repetitions; i++) {
      // Turns alternate, and each starts with nothing left to write back: curl leaves its gigabyte dirty in the
      // page cache (our pull flushes its own), and the kernel's writeback of it slowed whoever came next by half.
      for (const turn of i % 2 === 0 ? [measureCurl, measureOurs] : [measureOurs, measureCurl]) {
        await turn(i);
        await exec("sync");
      }
    }
    return { bytes: packaged.size, curl: median(curl), ours: median(ours), ratio: median(ours.map((speed, round) => speed / curl[round]!)) };
  } finally {
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
