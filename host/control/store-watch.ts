import { watch } from "node:fs";
import { basename, dirname } from "node:path";
import type { ModelStore } from "../store/store";

/** Quiet time after the last write before telling: a pull rewrites the index more than once. */
const settleMs = 150;

/**
 * Calls `onChange` when the store's index or configurations file changes, whoever changed it: this host, the CLI
 * with its own store access, or Docker Model Runner sharing the folder. Both files are replaced by rename, so the
 * folder is watched, not the files.
 */
export function watchStore(store: ModelStore, onChange: () => void): () => void {
  const names = [basename(store.layout.indexFile), basename(store.layout.configurationsFile)];
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dirname(store.layout.indexFile), (_event, file) => {
    if (!file || !names.some((name) => file.startsWith(name))) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, settleMs);
  });
  watcher.unref();
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
