/**
 * The extension as the editor loads it during tests: package.json with the extension's fields from
 * extension/package.contributes.json merged in (until package.json carries them itself), next to links to the
 * built dist/, media/ and syntaxes/.
 */
import { mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot } from "../../scripts/vscode/code-server.mjs";

export async function stageExtension(): Promise<string> {
  const staged = join(repoRoot, ".vscode-test/extension");
  await rm(staged, { recursive: true, force: true });
  await mkdir(staged, { recursive: true });
  const manifest = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8"));
  const extension = JSON.parse(await readFile(join(repoRoot, "extension/package.contributes.json"), "utf8"));
  const { scripts: _scripts, ...fields } = extension;
  await writeFile(join(staged, "package.json"), JSON.stringify({ ...manifest, ...fields }, null, 2));
  for (const folder of ["dist", "media", "syntaxes"]) await symlink(join(repoRoot, folder), join(staged, folder));
  return staged;
}
