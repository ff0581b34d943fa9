import { defineCommand } from "../command";
import { HostClient } from "../host-client";
import pkg from "../../../package.json";

export const version = defineCommand({
  name: "version",
  summary: "Show the CLI's version, and the host's when one runs.",
  usage: "",
  options: {},
  help: {},
  async run() {
    console.log(`Client: ${pkg.version}`);
    try {
      const host = await new HostClient().json<{ version: string }>("GET", "/version");
      console.log(`Host:   ${host.version}`);
    } catch {
      console.log("Host:   not running (start it with `lmr serve`)");
    }
  },
});
