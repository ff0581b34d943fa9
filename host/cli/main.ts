#!/usr/bin/env node
/** `lmr`: Local Model Runner's command line, mirroring `docker model`. */
import { isLmrError } from "../errors";
import { helpText, parseCommandArgs, type Command } from "./command";
import { commands } from "./commands";
import pkg from "../../package.json";

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    "Usage: lmr COMMAND [OPTIONS]",
    "",
    "Run open models locally: an OpenAI-compatible host with Docker Model Runner's API.",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary.split(/(?<=\.) /)[0]}`),
    "",
    "Run `lmr COMMAND --help` for a command's options.",
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return 0;
  }
  if (name === "--version" || name === "-v") {
    console.log(pkg.version);
    return 0;
  }
  const command = commands.find((c) => c.name === name) as Command | undefined;
  if (!command) {
    console.error(`lmr: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const args = parseCommandArgs(command, rest);
  if (args.values.help) {
    console.log(helpText(command));
    return 0;
  }
  return (await command.run(args)) ?? 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`Error: ${isLmrError(error) ? error.userMessage : error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
