/**
 * The host's end of the editor's control channel (`lmr serve --stdio`): JSON-RPC on stdin/stdout, spoken by
 * vscode-languageclient on the other end. Requests are parsed with host/protocol/control.ts and answered by the
 * handlers in requests.ts; store and engine changes are pushed as notifications.
 */
import { type Connection, createConnection } from "vscode-languageserver/node";
import type { Host } from "../host";
import { log } from "../log";
import { ControlNotifications, type ControlRequestName, ControlRequests, WorkDoneParamsSchema } from "../protocol/control";
import { watchEngines } from "./engine-watch";
import { type RequestHandlers, requestHandlers } from "./requests";
import { toResponseError } from "./response-error";
import { watchStore } from "./store-watch";

export function attachControlChannel(host: Host): void {
  const connection = createConnection(process.stdin, process.stdout);
  const handlers = requestHandlers(host);
  for (const name of Object.keys(ControlRequests) as ControlRequestName[]) serve(connection, handlers, name);

  connection.onInitialize(() => ({ capabilities: {} }));
  const stopWatching = [
    watchStore(host.store, () => void connection.sendNotification(ControlNotifications.storeChanged, {})),
    watchEngines(host.scheduler, () => void connection.sendNotification(ControlNotifications.enginesChanged, {})),
  ];
  connection.onShutdown(async () => {
    for (const stop of stopWatching) stop();
    await host.close();
  });
  connection.listen();
  log.write("info", "host", "control channel on stdio");
}

function serve<Name extends ControlRequestName>(connection: Connection, handlers: RequestHandlers, name: Name): void {
  const { method, params: schema } = ControlRequests[name];
  connection.onRequest(method, async (raw: unknown, token) => {
    const controller = new AbortController();
    const cancelled = token.onCancellationRequested(() => controller.abort());
    try {
      const params = schema.parse(raw ?? {}) as Parameters<RequestHandlers[Name]>[0];
      const progress = connection.window.attachWorkDoneProgress(WorkDoneParamsSchema.parse(raw ?? {}).workDoneToken);
      return await handlers[name](params, { signal: controller.signal, progress });
    } catch (error) {
      if (!controller.signal.aborted) log.write("warn", "control", `${method}: ${error instanceof Error ? error.message : String(error)}`);
      throw toResponseError(error, controller.signal);
    } finally {
      cancelled.dispose();
    }
  });
}
