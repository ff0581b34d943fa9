export const repoRoot: string;
export const node24: string;
export const chromiumPath: string;
export const chromiumArgs: string[];
export interface CodeServer {
  url: URL;
  stop(): Promise<void>;
}
export function startCodeServer(options: {
  userDataDir: string;
  extensionsDir: string;
  port?: number;
  vscodeOptions?: string[];
  env?: NodeJS.ProcessEnv;
  log: (line: string) => void;
}): Promise<CodeServer>;
export function installExtension(vsix: string, profile: { userDataDir: string; extensionsDir: string }): Promise<void>;
