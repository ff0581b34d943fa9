/** Where the store lives when nobody says: the platform's per-user data folder, as DMR's CLI and ollama do. */
import { homedir } from "node:os";
import path from "node:path";

export interface StoreRootSources {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  home?: string;
}

/** An explicit root wins, then `LMR_MODELS_PATH`, then the per-user data folder. */
export function resolveStoreRoot(explicit?: string, sources: StoreRootSources = {}): string {
  const env = sources.env ?? process.env;
  if (explicit) return path.resolve(explicit);
  if (env.LMR_MODELS_PATH) return path.resolve(env.LMR_MODELS_PATH);
  return defaultStoreRoot(sources);
}

export function defaultStoreRoot({ env = process.env, platform = process.platform, home = homedir() }: StoreRootSources = {}): string {
  switch (platform) {
    case "win32":
      return path.win32.join(env.LOCALAPPDATA || path.win32.join(home, "AppData", "Local"), "lmr", "models");
    case "darwin":
      return path.posix.join(home, "Library", "Application Support", "lmr", "models");
    default:
      // XDG says a relative XDG_DATA_HOME is invalid and must be ignored.
      return path.posix.join(
        env.XDG_DATA_HOME && path.posix.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : path.posix.join(home, ".local", "share"),
        "lmr",
        "models",
      );
  }
}
