// Prints the ggml CPU variant node-llama-cpp's prebuilt binary loads on this machine ("zen4", "haswell", ...), as
// ggml itself logs it; an empty line where the prebuilt has a single CPU backend. Run as a file, not with -e or
// stdin: node-llama-cpp forks a test process with this process's execArgv. Used by scripts/llama-server/build.sh
// and the tests of `lmr install-runner --build`.
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

let variant = "";
const llama = await getLlama({
  gpu: false,
  build: "never",
  logLevel: LlamaLogLevel.debug,
  logger: (_level, message) => {
    const match = /loaded CPU backend from .*libggml-cpu-([\w.]+)\.so/.exec(message);
    if (match) variant = match[1];
  },
});
await llama.dispose();
console.log(variant);
