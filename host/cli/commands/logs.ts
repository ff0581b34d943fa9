import { defineCommand } from "../command";
import { HostClient } from "../host-client";

export const logs = defineCommand({
  name: "logs",
  summary: "Print the host's and engines' logs.",
  usage: "",
  options: { follow: { type: "boolean", short: "f" } },
  help: { follow: "Keep printing new lines as they come" },
  async run({ values }) {
    const response = await new HostClient().request("GET", `/logs${values.follow ? "?follow=true" : ""}`);
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) process.stdout.write(chunk);
  },
});
