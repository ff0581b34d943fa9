// Runs the mocha suites in test/extension/suite/ inside a real VS Code through @vscode/test-electron, against a
// generated tiny model and a loopback registry. Here that VS Code is code-server behind our launcher; with
// LMR_TEST_VSCODE=desktop, runTests downloads desktop VS Code instead.
import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { runTests } from "@vscode/test-electron";
import { buildExtensionTests } from "../../scripts/vscode/build-extension.mjs";
import { repoRoot } from "../../scripts/vscode/code-server.mjs";
import { startExtensionFixture } from "./fixture";

const suiteDir = join(repoRoot, ".vscode-test/suite");
await promisify(execFile)(process.execPath, ["scripts/build.mjs"], { cwd: repoRoot });
await buildExtensionTests(suiteDir);
const fixture = await startExtensionFixture();

const profile = await mkdtemp(join(tmpdir(), "lmr-extension-tests-"));
const started = Date.now();
try {
  await runTests({
    vscodeExecutablePath:
      process.env.LMR_TEST_VSCODE === "desktop" ? undefined : join(repoRoot, "scripts/vscode/code-server-test"),
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: join(suiteDir, "index.cjs"),
    extensionTestsEnv: fixture.env,
    launchArgs: [fixture.workspace, `--user-data-dir=${join(profile, "user-data")}`, `--extensions-dir=${join(profile, "extensions")}`],
  });
} catch {
  process.exitCode = 1;
} finally {
  await fixture.stop();
}
console.log(`extension tests ran in ${((Date.now() - started) / 1000).toFixed(1)}s`);
