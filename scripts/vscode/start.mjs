// `npm start`: builds the host and the extension, starts the test VS Code (code-server) on 127.0.0.1 with the
// extension loaded from this checkout, and prints the URL to open. Ctrl+C stops it.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { buildExtension } from "./build-extension.mjs";
import { repoRoot, startCodeServer } from "./code-server.mjs";

execFileSync("bash", [join(repoRoot, "scripts/vscode/install-code-server.sh")], { stdio: "inherit" });
execFileSync(process.execPath, [join(repoRoot, "scripts/build.mjs")], { stdio: "inherit", cwd: repoRoot });
await buildExtension();

const profile = join(repoRoot, ".cache/code-server/profile");
const server = await startCodeServer({
  userDataDir: join(profile, "user-data"),
  extensionsDir: join(profile, "extensions"),
  port: Number(process.env.LMR_VSCODE_PORT ?? 0),
  log: () => {},
});
const url = new URL(server.url);
url.searchParams.set("folder", process.env.LMR_VSCODE_FOLDER ?? repoRoot);
url.searchParams.set("payload", JSON.stringify([["extensionDevelopmentPath", `vscode-remote://${url.host}${repoRoot}`]]));
console.log(`\nModel Runner in VS Code: ${url.href}\n(Ctrl+C stops it)`);

await new Promise((resolve) => {
  process.once("SIGINT", resolve);
  process.once("SIGTERM", resolve);
});
await server.stop();
