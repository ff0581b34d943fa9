import readline from "node:readline";
import { defineCommand } from "../command";
import { HostClient } from "../host-client";
import { sseEvents } from "../../protocol/sse";
import { UserError } from "../../errors";
import type { ChatCompletionChunk, ChatMessage } from "../../protocol/openai";
import { readAll } from "../read-all";

export const run = defineCommand({
  name: "run",
  summary: "Run a model: answer PROMPT, or chat interactively when no prompt is given (`\"\"\"` starts and ends a multi-line message, /bye leaves, Ctrl+C stops an answer).",
  usage: "MODEL [PROMPT]",
  options: { detach: { type: "boolean", short: "d" } },
  help: { detach: "Load the model in the background and return" },
  async run({ values, positionals }) {
    const [model, ...words] = positionals;
    if (!model) throw new UserError("name the model to run", { fix: "Example: lmr run ai/smollm2 \"Write a haiku\"" });
    const client = new HostClient();
    if (values.detach) {
      await client.request("POST", "/engines/v1/chat/completions", {
        body: { model, messages: [{ role: "user", content: "" }] },
        headers: { "x-preload-only": "true" },
      });
      console.log(`${model} is loaded.`);
      return;
    }
    let prompt = words.join(" ");
    if (!prompt && !process.stdin.isTTY) prompt = (await readAll(process.stdin)).trim();
    if (prompt) {
      await answer(client, model, [{ role: "user", content: prompt }]);
      return;
    }
    await chat(client, model);
  },
});

async function answer(client: HostClient, model: string, messages: ChatMessage[], signal?: AbortSignal): Promise<string> {
  const response = await client.request("POST", "/engines/v1/chat/completions", { body: { model, messages, stream: true }, signal });
  let text = "";
  try {
    for await (const event of sseEvents(response)) {
      const delta = (event as ChatCompletionChunk).choices[0]?.delta.content;
      if (delta) {
        text += delta;
        process.stdout.write(delta);
      }
    }
  } catch (error) {
    if ((error as Error).name !== "AbortError") throw error;
  }
  process.stdout.write("\n");
  return text;
}

async function chat(client: HostClient, model: string): Promise<void> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, prompt: "> " });
  const messages: ChatMessage[] = [];
  let answering: AbortController | undefined;
  let multiline: string[] | undefined;
  rl.on("SIGINT", () => {
    if (answering) return answering.abort();
    process.stdout.write("\nUse /bye or Ctrl+D to leave.\n");
    rl.prompt();
  });
  process.stdout.write(`Chatting with ${model}. /bye leaves, """ starts a multi-line message.\n`);
  rl.prompt();
  for await (const line of rl) {
    if (multiline) {
      if (line.trimEnd().endsWith('"""')) {
        multiline.push(line.trimEnd().slice(0, -3));
        const text = multiline.join("\n");
        multiline = undefined;
        await turn(text);
      } else multiline.push(line);
      continue;
    }
    const text = line.trim();
    if (text === "/bye") break;
    if (text.startsWith('"""')) {
      const first = text.slice(3);
      if (first.endsWith('"""') && first.length >= 3) await turn(first.slice(0, -3));
      else multiline = [first];
      continue;
    }
    if (text) await turn(text);
    else rl.prompt();
  }
  rl.close();

  async function turn(text: string): Promise<void> {
    messages.push({ role: "user", content: text });
    answering = new AbortController();
    try {
      const reply = await answer(client, model, messages, answering.signal);
      messages.push({ role: "assistant", content: reply });
    } finally {
      answering = undefined;
    }
    rl.prompt();
  }
}
