import { defineCommand } from "../command";
import { bytes, table } from "../format";
import { HostClient } from "../host-client";
import type { DiskUsage } from "../../store/store";

export const df = defineCommand({
  name: "df",
  summary: "Show the disk space models take.",
  usage: "",
  options: { json: { type: "boolean" } },
  help: { json: "Print as JSON" },
  async run({ values }) {
    const usage = await new HostClient().json<DiskUsage>("GET", "/engines/df");
    if (values.json) return void console.log(JSON.stringify(usage, null, 2));
    console.log(table(["TYPE", "SIZE"], [["Models", bytes(usage.models)], ["Incomplete downloads", bytes(usage.incomplete)], ["Total", bytes(usage.total)]]));
  },
});
