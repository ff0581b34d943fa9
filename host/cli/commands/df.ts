import { defineCommand } from "../command";
import { table } from "../format";
import { formatBytes } from "../../format-bytes";
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
    console.log(table(["TYPE", "SIZE"], [["Models", formatBytes(usage.models)], ["Incomplete downloads", formatBytes(usage.incomplete)], ["Total", formatBytes(usage.total)]]));
  },
});
