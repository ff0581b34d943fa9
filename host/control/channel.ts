import type { Host } from "../host";

/** The editor's control channel on stdin/stdout; its requests land with the extension. */
export function attachControlChannel(host: Host): void {
  void host;
  throw new Error("the control channel is not built yet");
}
