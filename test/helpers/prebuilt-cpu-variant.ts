import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { execa } from "execa";

const PROBE = (nodeLlamaCpp: string) => `
import { getLlama, LlamaLogLevel } from ${JSON.stringify(nodeLlamaCpp)};
let variant = "";
const llama = await getLlama({
  gpu: false,
  build: "never",
  logLevel: LlamaLogLevel.debug,
  logger: (_level, message) => {
    const match = /loaded CPU backend from .*libggml-cpu-([\\w.]+)\\.so/.exec(message);
    if (match) variant = match[1];
  },
});
await llama.dispose();
console.log(variant);
`;

/**
 * The ggml CPU variant node-llama-cpp's prebuilt binary loads on this machine ("zen4", "haswell", ...), as ggml
 * itself logs it; empty where the prebuilt has a single CPU backend. In a process of its own: ggml loads its
 * backends once per process. A file, not `-e`: node-llama-cpp forks a test process with the same execArgv.
 */
export async function prebuiltCpuVariant(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "lmr-cpu-variant-"));
  try {
    const probe = path.join(dir, "probe.mjs");
    await writeFile(probe, PROBE(pathToFileURL(path.resolve("node_modules/node-llama-cpp/dist/index.js")).href));
    return (await execa(process.execPath, [probe])).stdout.trim();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
