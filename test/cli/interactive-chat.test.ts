import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { LMR, type TestHost } from "../helpers/host";
import { NAMES, startHostWithModels, type TestModels } from "../helpers/models";

const exec = promisify(execFile);

/** A real terminal: tmux runs `lmr run`, keys are typed into it and the screen is read back. */
class Terminal {
  constructor(private readonly session: string) {}

  static async start(command: string, env: Record<string, string>): Promise<Terminal> {
    const session = `lmr-test-${process.pid}-${Date.now()}`;
    const exports = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    await exec("tmux", ["new-session", "-d", "-s", session, "-x", "120", "-y", "40", "env", ...exports, ...command.split(" ")]);
    return new Terminal(session);
  }

  async type(...keys: string[]): Promise<void> {
    for (const key of keys) await exec("tmux", ["send-keys", "-t", this.session, ...(key === "Enter" || key === "C-c" ? [key] : ["-l", key])]);
  }

  async screen(): Promise<string> {
    return (await exec("tmux", ["capture-pane", "-p", "-t", this.session])).stdout;
  }

  async waitFor(pattern: RegExp, what: string): Promise<string> {
    for (let i = 0; i < 150; i++) {
      const screen = await this.screen().catch(() => "");
      if (pattern.test(screen)) return screen;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail(`waited 15 s for ${what}; the screen shows:\n${await this.screen().catch(() => "(gone)")}`);
  }

  async alive(): Promise<boolean> {
    return exec("tmux", ["has-session", "-t", this.session]).then(() => true, () => false);
  }

  async close(): Promise<void> {
    await exec("tmux", ["kill-session", "-t", this.session]).catch(() => {});
  }
}

describe("lmr run's interactive chat", () => {
  let host: TestHost;
  let models: TestModels;
  let terminal: Terminal | undefined;

  before(async () => {
    ({ host, models } = await startHostWithModels(["chatml"]));
  });
  after(async () => {
    await terminal?.close();
    await host?.stop();
  });

  it("answers each message, takes multi-line input, survives Ctrl+C at the prompt and leaves on /bye", async () => {
    terminal = await Terminal.start(`${process.execPath} ${LMR} run ${NAMES.chatml}`, { LMR_HOST: host.url });
    await terminal.waitFor(/Chatting with test\/chatml/, "the greeting");
    const reply = models.chatml.expected.chatReply.replace(/[.*+?^${}()|[\]\\!]/g, "\\$&");

    await terminal.type("Hello there", "Enter");
    await terminal.waitFor(new RegExp(`> Hello there\\n${reply}\\n>`), "the first answer");

    await terminal.type('"""First line', "Enter", 'second line"""', "Enter");
    await terminal.waitFor(new RegExp(`second line"""\\n${reply}\\n>`), "the answer to the multi-line message");

    await terminal.type("C-c");
    await terminal.waitFor(/Use \/bye or Ctrl\+D to leave\./, "the hint after Ctrl+C");
    assert.ok(await terminal.alive(), "Ctrl+C at the prompt does not end the chat");

    await terminal.type("/bye", "Enter");
    for (let i = 0; i < 50 && (await terminal.alive()); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await terminal.alive(), false, "/bye ends the chat");
  });
});
