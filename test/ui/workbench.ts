/**
 * The product as a person gets it, for the UI tests: the extension packaged as a .vsix for this platform, installed
 * into code-server like any extension, opened in headless chromium on the fixture's workspace (a generated tiny
 * model in the store, another in a loopback registry). The helpers act through the workbench's own UI.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Browser, chromium, type FrameLocator, type Locator, type Page } from "playwright-core";
import { chromiumArgs, chromiumPath, type CodeServer, installExtension, repoRoot, startCodeServer } from "../../scripts/vscode/code-server.mjs";
import { type ExtensionFixture, startExtensionFixture } from "../extension/fixture";

const screenshots = join(repoRoot, "test-output");

export interface Workbench {
  page: Page;
  fixture: ExtensionFixture;
  /** Opens the command palette, types `title` and runs the command. */
  runCommand(title: string): Promise<void>;
  /** Runs the command `title` and answers the input box it opens with `value`. */
  answerCommand(title: string, value: string): Promise<void>;
  /** A row of a tree view in the Model Runner sidebar. */
  treeRow(label: string): Locator;
  /** The chat panel's page, inside the webview's frames. */
  chatFrame(): FrameLocator;
  /** Saves the workbench as it looks now to test-output/NAME.png and returns the path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openWorkbench(): Promise<Workbench> {
  // Only the CPU binary: what runs here, and the same node_modules set as every other build of the .vsix.
  const vsix = join(repoRoot, ".cache/vsix/ui-test.vsix");
  await promisify(execFile)(process.execPath, ["scripts/vscode/package.mjs", "--binaries", "cpu", "--out", vsix], { cwd: repoRoot });
  const fixture = await startExtensionFixture();
  const profile = await mkdtemp(join(tmpdir(), "lmr-ui-"));
  const dirs = { userDataDir: join(profile, "user-data"), extensionsDir: join(profile, "extensions") };
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await server?.stop();
    await fixture.stop();
    await rm(profile, { recursive: true, force: true });
  };
  try {
    await installExtension(vsix, dirs);
    server = await startCodeServer({
      ...dirs,
      env: { ...process.env, ...fixture.env, EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: "" }) },
      log: () => {},
    });
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    const url = new URL(server.url);
    url.searchParams.set("folder", fixture.workspace);
    await page.goto(url.href);
    await page.locator(".monaco-workbench").waitFor();
    return {
      page,
      fixture,
      runCommand: (title) => runCommand(page, title),
      async answerCommand(title, value) {
        await runCommand(page, title);
        await page.locator(".quick-input-widget", { hasText: title }).waitFor();
        const input = page.locator(".quick-input-widget input");
        await input.fill(value);
        await input.press("Enter");
      },
      treeRow: (label) => page.locator(`.pane-body .monaco-list-row[aria-label^="${label}"]`),
      chatFrame: () => page.frameLocator("iframe.webview.ready").frameLocator("#active-frame"),
      async screenshot(name) {
        await mkdir(screenshots, { recursive: true });
        const path = join(screenshots, `${name}.png`);
        await page.screenshot({ path });
        return path;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function runCommand(page: Page, title: string): Promise<void> {
  // F1 while the last quick input is still closing is lost.
  await page.locator(".quick-input-widget").waitFor({ state: "hidden" });
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor();
  await input.fill(`>${title}`);
  await page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first().waitFor();
  await page.keyboard.press("Enter");
}
