import readline from "node:readline/promises";
import { defineCommand } from "../command";
import { UserError } from "../../errors";
import { login as loginTo, logout as logoutFrom } from "../../registry/login";
import { readAll } from "../read-all";

export const login = defineCommand({
  name: "login",
  summary: "Log in to a registry; the credentials are checked, then kept for pulls and pushes.",
  usage: "[REGISTRY]",
  options: { username: { type: "string", short: "u" }, "password-stdin": { type: "boolean" } },
  help: { username: "User name", "password-stdin": "Read the password from standard input" },
  async run({ values, positionals }) {
    const registry = positionals[0] ?? "docker.io";
    const username = values.username as string | undefined;
    if (!username) throw new UserError("login needs a user name", { fix: `Example: echo "$TOKEN" | lmr login -u me --password-stdin ${registry}` });
    const password = values["password-stdin"] ? (await readAll(process.stdin)).trim() : await ask("Password: ");
    await loginTo(registry, username, password);
    console.log(`Login Succeeded (${registry})`);
  },
});

export const logout = defineCommand({
  name: "logout",
  summary: "Forget the credentials kept for a registry.",
  usage: "[REGISTRY]",
  options: {},
  help: {},
  async run({ positionals }) {
    const registry = positionals[0] ?? "docker.io";
    console.log((await logoutFrom(registry)) ? `Removed login credentials for ${registry}` : `Not logged in to ${registry}`);
  },
});

async function ask(question: string): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}
