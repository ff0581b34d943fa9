// The extensionTestsPath module: VS Code's extension host calls run() and reports its outcome as the exit code.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import Mocha from "mocha";

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: "bdd", color: false, timeout: 120_000 });
  const suites = readdirSync(__dirname).filter((file) => file.endsWith(".test.cjs")).sort();
  for (const file of suites) mocha.addFile(join(__dirname, file));
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} extension test(s) failed`);
}
