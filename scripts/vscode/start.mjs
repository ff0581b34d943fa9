// `npm start [-- --binaries cpu]`: builds the extension's .vsix for this platform (package.mjs takes the flags),
// installs it into the test VS Code (code-server) as a user would, starts that on 127.0.0.1 with a profile kept in
// .cache/code-server/profile, and prints the URL to open. LMR_VSCODE_PORT picks the port, LMR_VSCODE_FOLDER the
// folder it opens. Ctrl+C stops it.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { installExtension, repoRoot, startCodeServer } from "./code-server.mjs";

execFileSync("bash", [join(repoRoot, "scripts/vscode/install-code-server.sh")], { stdio: "inherit" });
const vsix = join(repoRoot, ".cache/vsix/start.vsix");
execFileSync(process.execPath, [join(repoRoot, "scripts/vscode/package.mjs"), ...process.argv.slice(2), "--out", vsix], {
  stdio: "inherit",
  cwd: repoRoot,
});

const profile = join(repoRoot, ".cache/code-server/profile");
const dirs = { userDataDir: join(profile, "user-data"), extensionsDir: join(profile, "extensions") };
await installExtension(vsix, dirs);
const server = await startCodeServer({ ...dirs, port: Number(process.env.LMR_VSCODE_PORT ?? 0), log: () => {} });
const url = new URL(server.url);
url.searchParams.set("folder", process.env.LMR_VSCODE_FOLDER ?? repoRoot);
console.log(`\nModel Runner in VS Code: ${url.href}\n(Ctrl+C stops it)`);

// Ctrl+C under `npm start` reaches this process twice (from the terminal and forwarded by npm); the second must not
// end it before code-server is stopped.
await new Promise((resolve) => {
  process.on("SIGINT", resolve);
  process.on("SIGTERM", resolve);
});
await server.stop();
