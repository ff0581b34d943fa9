import { parseArgs, type ParseArgsConfig } from "node:util";
import { UserError } from "../errors";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** One `lmr` subcommand: its help text, its flags, and what it does with them. */
export interface Command<O extends Options = Options> {
  name: string;
  summary: string;
  /** The usage line after `lmr NAME`, e.g. `MODEL [PROMPT]`. */
  usage: string;
  options: O;
  /** Flag descriptions for --help, by flag name. */
  help: Partial<Record<keyof O & string, string>>;
  run(args: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[]; rest: string[] }): Promise<number | void>;
}

export function defineCommand<O extends Options>(command: Command<O>): Command<O> {
  return command;
}

export function parseCommandArgs(command: Command, argv: string[]) {
  const dashDash = argv.indexOf("--");
  const [own, rest] = dashDash >= 0 ? [argv.slice(0, dashDash), argv.slice(dashDash + 1)] : [argv, []];
  try {
    const { values, positionals } = parseArgs({ args: own, options: { ...command.options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | string[] | undefined>, positionals, rest };
  } catch (error) {
    throw new UserError((error as Error).message.replace(/\. To specify a positional.*$/s, ""), { fix: `See \`lmr ${command.name} --help\`.` });
  }
}

export function helpText(command: Command): string {
  const lines = [`Usage: lmr ${command.name} ${command.usage}`.trimEnd(), "", command.summary];
  const flags = Object.entries(command.options);
  if (flags.length) {
    lines.push("", "Options:");
    for (const [name, option] of flags) {
      const short = option.short ? `-${option.short}, ` : "    ";
      const value = option.type === "string" ? ` ${name.toUpperCase().replace(/-/g, "_")}` : "";
      lines.push(`  ${short}--${name}${value}`.padEnd(34) + (command.help[name] ?? ""));
    }
  }
  return lines.join("\n");
}

/** Parses a whole-number flag, naming the flag and an example when the value is not one. */
export function integerFlag(name: string, value: unknown, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UserError(`--${name} needs a whole number of at least ${min}, not "${String(value)}"`, { fix: `Example: --${name} ${Math.max(min, 4096)}` });
  return n;
}
