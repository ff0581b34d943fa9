// Stands in for the VS Code executable that @vscode/test-electron's runTests spawns, so the same mocha suites run
// here in code-server (no desktop VS Code can be downloaded) and elsewhere in desktop VS Code. It takes the flags
// runTests passes, opens the workbench with the test payload in headless chromium, and exits with the code the
// workbench reports through window.codeAutomationExit once the suite's run() settles.
import { mkdtemp, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { format, parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { chromiumArgs, chromiumPath, repoRoot, startCodeServer } from "./code-server.mjs";

const timeoutSeconds = Number(process.env.LMR_VSCODE_TEST_TIMEOUT_S ?? 600);
const failureScreenshot = join(repoRoot, "test-output/extension-tests-failure.png");

// Electron flags runTests adds (--no-sandbox, --disable-updates, …) mean nothing here and are ignored.
const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  strict: false,
  allowPositionals: true,
  options: {
    extensionDevelopmentPath: { type: "string", multiple: true },
    extensionTestsPath: { type: "string" },
    "user-data-dir": { type: "string" },
    "extensions-dir": { type: "string" },
  },
});

const log = (line) => process.stdout.write(`${line}\n`);
const profile = await mkdtemp(join(tmpdir(), "lmr-code-server-"));
const userDataDir = resolve(values["user-data-dir"] ?? join(profile, "user-data"));
const extensionsDir = resolve(values["extensions-dir"] ?? join(profile, "extensions"));
const verbose = process.env.LMR_VSCODE_TEST_VERBOSE === "1";

const server = await startCodeServer({
  userDataDir,
  extensionsDir,
  vscodeOptions: ["enable-smoke-test-driver"],
  // Tests must not depend on a marketplace; an empty gallery keeps the workbench from querying one.
  env: { ...process.env, EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: "" }) },
  log: verbose ? (line) => log(`[code-server] ${line}`) : () => {},
});
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });

/** @type {(code: number) => void} */
let finish = () => {};
const exitCode = new Promise((resolveCode) => (finish = resolveCode));
process.once("SIGINT", () => finish(130));
process.once("SIGTERM", () => finish(143));
const timer = setTimeout(() => {
  log(`code-server-launcher: the tests did not finish within ${timeoutSeconds}s`);
  finish(124);
}, timeoutSeconds * 1000);

const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
page.on("console", async (message) => {
  const line = await consoleLine(message);
  if (line !== undefined) log(line);
});
page.on("pageerror", (error) => log(`[page error] ${error.message}`));
await page.exposeFunction("codeAutomationExit", (code) => finish(Number(code)));

const remote = (path) => `vscode-remote://${server.url.host}${resolve(path)}`;
const payload = [
  ...(values.extensionDevelopmentPath ?? []).map((path) => ["extensionDevelopmentPath", remote(path)]),
  ...(values.extensionTestsPath ? [["extensionTestsPath", remote(values.extensionTestsPath)]] : []),
];
const workbench = new URL(server.url);
if (positionals[0]) workbench.searchParams.set("folder", resolve(positionals[0]));
workbench.searchParams.set("payload", JSON.stringify(payload));
await page.goto(workbench.href);

const code = await exitCode;
clearTimeout(timer);
if (code !== 0) {
  await mkdir(join(repoRoot, "test-output"), { recursive: true });
  await page.screenshot({ path: failureScreenshot }).then(
    () => log(`code-server-launcher: workbench at failure: ${failureScreenshot}`),
    () => {},
  );
}
await browser.close();
await server.stop();
process.exit(code);

/**
 * The workbench logs through styled console calls (`"%c INFO", "color: #33f", format, ...args`); the suite's mocha
 * output arrives the same way. Keep the text, and leave out the workbench components' own chatter, which they tag
 * `[Component]`, unless LMR_VSCODE_TEST_VERBOSE=1.
 * @param {import("playwright-core").ConsoleMessage} message
 */
async function consoleLine(message) {
  const args = await Promise.all(
    message.args().map((arg) => arg.evaluate((value) => (value instanceof Error ? value.stack ?? String(value) : value))),
  ).catch(() => []); // the page closed while the message was in flight
  if (args.length === 0) return undefined;
  let level = "";
  if (typeof args[0] === "string" && args[0].startsWith("%c")) {
    level = args[0].replaceAll("%c", "").trim();
    args.splice(0, 2);
  }
  const text = format(...args);
  if (!verbose && (text.trim() === "" || /^\[[^\]]+\]/.test(text))) return undefined;
  return level && level !== "INFO" ? `${level} ${text}` : text;
}
