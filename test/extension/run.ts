// Runs the mocha suites in test/extension/suite/ inside a real VS Code through @vscode/test-electron. Here that VS
// Code is code-server behind our launcher; with LMR_TEST_VSCODE=desktop, runTests downloads desktop VS Code instead.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTests } from "@vscode/test-electron";
import { buildExtension, buildExtensionTests } from "../../scripts/vscode/build-extension.mjs";
import { repoRoot } from "../../scripts/vscode/code-server.mjs";

const suiteDir = join(repoRoot, ".vscode-test/suite");
await buildExtension();
await buildExtensionTests(suiteDir);

const profile = await mkdtemp(join(tmpdir(), "lmr-extension-tests-"));
const workspace = await mkdtemp(join(tmpdir(), "lmr-workspace-"));
const started = Date.now();
try {
  await runTests({
    vscodeExecutablePath:
      process.env.LMR_TEST_VSCODE === "desktop" ? undefined : join(repoRoot, "scripts/vscode/code-server-test"),
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: join(suiteDir, "index.cjs"),
    launchArgs: [workspace, `--user-data-dir=${join(profile, "user-data")}`, `--extensions-dir=${join(profile, "extensions")}`],
  });
} catch {
  process.exitCode = 1;
}
console.log(`extension tests ran in ${((Date.now() - started) / 1000).toFixed(1)}s`);
