import { stat } from "node:fs/promises";
import { errorCode } from "./fs-error";

/**
 * A store file read once and kept while the file on disk is the same one, so that a request does not read and
 * check models.json and configurations.json again (about 1 ms of every request's time to first token). The
 * store writes by atomic rename, which gives the path a new inode; an edit in place, by another tool or by
 * hand, changes its size or its change time, which is kept to the nanosecond. A file system that reuses inode
 * numbers and keeps times to the second (FAT) could hide another process's same-size rewrite within that second;
 * this process's own writes `forget` the file, so it never misses those.
 *
 * The value is shared between callers, who must not change it; writers read the file afresh under the
 * store's lock.
 */
export class CachedFile<T> {
  private cached: { identity: string; value: T } | undefined;

  constructor(
    private readonly file: string,
    private readonly read: (file: string) => Promise<T>,
  ) {}

  async get(): Promise<T> {
    // The identity is taken before the read: a write between the two leaves a value filed under the older
    // identity, which the next call sees as changed and reads again.
    const identity = await fileIdentity(this.file);
    if (identity !== undefined && this.cached?.identity === identity) return this.cached.value;
    const value = await this.read(this.file);
    this.cached = identity === undefined ? undefined : { identity, value };
    return value;
  }

  /** Drops the kept value: the next `get` reads the file. */
  forget(): void {
    this.cached = undefined;
  }
}

async function fileIdentity(file: string): Promise<string | undefined> {
  try {
    const info = await stat(file, { bigint: true });
    return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
}
