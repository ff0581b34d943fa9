// The extension driven through the workbench as a person would, installed from its .vsix: the sidebar, a pull from
// the command palette, the chat panel and an inline completion. Each step leaves a screenshot in test-output/.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { openWorkbench, type Workbench } from "./workbench";

describe("Model Runner in the workbench", () => {
  let workbench: Workbench;

  before(async () => {
    workbench = await openWorkbench();
    workbench.page.setDefaultTimeout(60_000);
  });

  after(async () => {
    await workbench?.close();
  });

  it("the sidebar lists the generated model, and the installed extension's host answers", async () => {
    const { page, treeRow, runCommand, fixture } = workbench;
    await page.getByRole("tab", { name: /^Model Runner/ }).click();
    const row = treeRow(fixture.env.LMR_TEST_LOCAL_MODEL!);
    await row.waitFor();
    assert.match(await row.innerText(), /F32 · .* · llama\.cpp/);
    await treeRow("llama.cpp").waitFor();

    await runCommand("Model Runner: Status");
    const status = page.locator(".notification-toast", { hasText: "Model Runner 0.1.0 at" });
    const url = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(await status.innerText())?.[1];
    assert.ok(url, await status.innerText());
    assert.equal((await fetch(url)).status, 200);
    await workbench.screenshot("ui-1-sidebar");
    await runCommand("Notifications: Clear All Notifications");
  });

  it('"Model Runner: Pull" from the command palette brings the registry\'s model into Models', async () => {
    const { page, treeRow, runCommand, answerCommand, fixture } = workbench;
    await answerCommand("Model Runner: Pull", fixture.remoteModel);
    await treeRow(fixture.remoteModel).waitFor();
    await page.locator(".notification-toast", { hasText: `pulled ${fixture.remoteModel}` }).waitFor();
    await workbench.screenshot("ui-2-pull");
    await runCommand("Notifications: Clear All Notifications");
  });

  it("Show Quantizations lists what the registry offers, with its size, memory and whether it fits", async () => {
    const { page, treeRow, answerCommand, fixture } = workbench;
    await answerCommand("Model Runner: Show Quantizations", fixture.remoteModel.replace(/:Q8_0$/, ""));
    const row = treeRow("Q8_0");
    await row.waitFor();
    assert.match(await row.innerText(), /F32 · 32\.00 bits\/weight · [\d.]+ MiB · [\d.]+ MiB to run · fits/);
    await page.locator(".pane-body .message", { hasText: "memory at 4096 tokens of context" }).waitFor();
    await workbench.screenshot("ui-3-quantizations");
  });

  it("the chat panel streams the tiny model's exact answer", async () => {
    const { runCommand, chatFrame, fixture } = workbench;
    await runCommand("Model Runner: Chat");
    const chat = chatFrame();
    await chat.locator("#model").selectOption(fixture.env.LMR_TEST_LOCAL_MODEL!);
    await chat.locator("#prompt").fill("Say hello.");
    await chat.locator("#prompt").press("Enter");
    const answer = chat.locator(".message.assistant");
    await answer.waitFor();
    // The answer is complete when Send replaces Stop.
    await chat.locator("#stop").waitFor({ state: "hidden" });
    assert.equal(await answer.innerText(), fixture.env.LMR_TEST_CHAT_REPLY);
    assert.equal(await chat.locator(".message.user").innerText(), "Say hello.");
    await workbench.screenshot("ui-4-chat");
    await runCommand("View: Close All Editors");
  });

  it("an inline completion appears in the editor and Tab accepts it", async () => {
    const { page, runCommand, fixture } = workbench;
    await runCommand("Model Runner: Select Completion Model");
    await page.locator(".quick-input-list .monaco-list-row", { hasText: fixture.env.LMR_TEST_LOCAL_MODEL! }).click();

    await runCommand("Go to File...");
    await page.locator(".quick-input-widget input").fill("add.js");
    await page.locator(".quick-input-list .monaco-list-row", { hasText: "add.js" }).first().waitFor();
    await page.keyboard.press("Enter");
    const lines = page.locator(".monaco-editor .view-lines");
    await lines.filter({ hasText: "function add" }).waitFor();

    await runCommand("Go to Line/Column...");
    await page.locator(".quick-input-widget input").fill(":2:3");
    await page.keyboard.press("Enter");
    await runCommand("Trigger Inline Suggestion");
    await page.locator(".monaco-editor .ghost-text-decoration").first().waitFor();
    await workbench.screenshot("ui-5-completion-suggested");

    await page.keyboard.press("Tab");
    await page.locator(".monaco-editor .ghost-text-decoration").waitFor({ state: "detached" });
    const text = (await lines.innerText()).replaceAll("\u00a0", " ");
    assert.equal(text.split("\n")[1], `  ${fixture.env.LMR_TEST_INFILL}`);
    await workbench.screenshot("ui-6-completion-accepted");
  });
});
