/**
 * The host process and the channel to it: vscode-languageclient starts `dist/lmr.mjs serve --stdio`, restarts it
 * when it crashes, and carries the control requests; inference goes to the HTTP API whose address `lmr/status`
 * gives. Every result is parsed with host/protocol/control.ts before the editor uses it.
 */
import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import {
  type CloseHandlerResult,
  CloseAction,
  ErrorAction,
  type ErrorHandler,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  WorkDoneProgress,
} from "vscode-languageclient/node";
import {
  ControlNotifications,
  type ControlParams,
  type ControlRequestName,
  ControlRequests,
  type ControlResult,
  type HostStatus,
} from "../host/protocol/control";
import { HostError } from "./host-error";
import { readSettings } from "./settings";

/** The SecretStorage key of the attached vLLM's API key (a secret, so not a setting). */
export const VLLM_API_KEY_SECRET = "lmr.vllm.apiKey";

type LongRequestName = "pull" | "push" | "load" | "package" | "build";

export class HostConnection implements vscode.Disposable {
  private readonly storeChanged = new vscode.EventEmitter<void>();
  private readonly enginesChanged = new vscode.EventEmitter<void>();
  private readonly ready = new vscode.EventEmitter<HostStatus>();
  private readonly crashReported = new vscode.EventEmitter<string>();
  /** A model list or an engine view reloads on any of these. */
  readonly onStoreChanged = this.storeChanged.event;
  readonly onEnginesChanged = this.enginesChanged.event;
  /** The host (re)started and answers; views reload, the API address may be new. */
  readonly onReady = this.ready.event;
  /** The message the user was shown about a crashed host: once for crashes it recovers from, once when it gives up. */
  readonly onCrashReported = this.crashReported.event;

  private client: LanguageClient | undefined;
  private status: Promise<HostStatus> | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.OutputChannel,
  ) {}

  async start(): Promise<void> {
    const client = await this.createClient();
    this.client = client;
    client.onNotification(ControlNotifications.storeChanged, () => this.storeChanged.fire());
    client.onNotification(ControlNotifications.enginesChanged, () => this.enginesChanged.fire());
    // Also after each restart on a crash: the new host has a new address.
    client.onDidChangeState(({ newState }) => {
      if (newState === State.Running && this.client === client) this.refreshStatus();
    });
    await client.start();
    await this.hostStatus();
  }

  /** Stops the host and starts it again with the current settings. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.status = undefined;
    if (client?.needsStop()) await client.stop();
  }

  /** Started and answering; until then (and while restarting) views show nothing and reload on `onReady`. */
  get running(): boolean {
    return this.status !== undefined;
  }

  /** The host's state as of its last start; `refresh` asks again (engines change, the address does not). */
  async hostStatus(refresh = false): Promise<HostStatus> {
    if (!this.status) throw new Error("The Model Runner host is not running.");
    if (refresh) this.status = this.request("status", {});
    return this.status;
  }

  /** The HTTP API's origin, e.g. `http://127.0.0.1:40123`. */
  async apiUrl(): Promise<string> {
    return (await this.hostStatus()).url;
  }

  async request<Name extends ControlRequestName>(
    name: Name,
    params: ControlParams<Name>,
    token?: vscode.CancellationToken,
  ): Promise<ControlResult<Name>> {
    const client = this.client;
    if (!client) throw new Error("The Model Runner host is not running.");
    const spec = ControlRequests[name];
    try {
      const raw = token ? await client.sendRequest(spec.method, params, token) : await client.sendRequest(spec.method, params);
      return spec.result.parse(raw) as ControlResult<Name>;
    } catch (error) {
      throw HostError.from(error);
    }
  }

  /** A long request under a cancellable notification that shows the host's `$/progress`: bytes, speed, percent. */
  async withProgress<Name extends LongRequestName>(title: string, name: Name, params: ControlParams<Name>): Promise<ControlResult<Name>> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const workDoneToken = randomUUID();
      let reported = 0;
      const listening = this.client?.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
        if (value.kind === "end") return;
        const percentage = value.percentage;
        progress.report({ message: value.message, increment: percentage === undefined ? undefined : percentage - reported });
        if (percentage !== undefined) reported = percentage;
      });
      try {
        return await this.request(name, { ...params, workDoneToken }, token);
      } finally {
        listening?.dispose();
      }
    });
  }

  dispose(): void {
    void this.stop();
    this.storeChanged.dispose();
    this.enginesChanged.dispose();
    this.ready.dispose();
    this.crashReported.dispose();
  }

  private refreshStatus(): void {
    this.status = this.request("status", {});
    this.status.then(
      (status) => this.ready.fire(status),
      () => {},
    );
  }

  private async createClient(): Promise<LanguageClient> {
    const settings = readSettings();
    const args = ["serve", "--stdio", "--port", String(settings.port === "auto" ? 0 : settings.port), "--gpu", settings.gpu, "--keep-alive", settings.keepAlive];
    if (settings.modelsPath) args.push("--models-path", settings.modelsPath);
    if (settings.threads > 0) args.push("--threads", String(settings.threads));
    if (settings.vllm.url) args.push("--vllm-url", settings.vllm.url);
    if (settings.vllm.executable) args.push("--vllm-bin", settings.vllm.executable);
    const apiKey = await this.context.secrets.get(VLLM_API_KEY_SECRET);
    // Every process that runs inference gets one libuv thread (DEVELOPERS.md); the key stays out of argv.
    const env = { ...process.env, UV_THREADPOOL_SIZE: "1", ...(apiKey ? { LMR_VLLM_API_KEY: apiKey } : {}) };
    return new LanguageClient(
      "lmr",
      "Model Runner",
      // The editor's own Node runs the host (Electron's binary acts as Node with ELECTRON_RUN_AS_NODE), so users need
      // no Node install. An executable without a transport gets exactly our argv: the client's stdio transports
      // append --clientProcessId, which `lmr serve` does not take.
      {
        command: process.execPath,
        args: [this.context.asAbsolutePath("dist/lmr.mjs"), ...args],
        options: { env: { ...env, ELECTRON_RUN_AS_NODE: "1" } },
      },
      {
        documentSelector: [],
        outputChannel: this.output,
        revealOutputChannelOn: RevealOutputChannelOn.Never,
        errorHandler: new RestartOnCrash(this.output, (message) => this.crashReported.fire(message)),
      },
    );
  }
}

/** Restarts a crashed host, tells the user once, and gives up after repeated crashes instead of looping. */
class RestartOnCrash implements ErrorHandler {
  private static readonly window = 3 * 60_000;
  private static readonly maxRestarts = 4;
  private crashes: number[] = [];
  private told = false;

  constructor(
    private readonly output: vscode.OutputChannel,
    private readonly onTell: (message: string) => void,
  ) {}

  error(): { action: ErrorAction; handled: boolean } {
    return { action: ErrorAction.Continue, handled: true };
  }

  closed(): CloseHandlerResult {
    const now = Date.now();
    this.crashes = [...this.crashes.filter((time) => now - time < RestartOnCrash.window), now];
    if (this.crashes.length > RestartOnCrash.maxRestarts) {
      void this.tell("Model Runner: the host keeps stopping, so it was not restarted again. Its log says why.", "error");
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    if (!this.told) {
      this.told = true;
      void this.tell("Model Runner: the host stopped unexpectedly and was restarted.", "warning");
    }
    return { action: CloseAction.Restart, handled: true };
  }

  private async tell(message: string, severity: "warning" | "error"): Promise<void> {
    this.onTell(message);
    const show = severity === "error" ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    if ((await show(message, "Show Logs")) === "Show Logs") this.output.show();
  }
}
