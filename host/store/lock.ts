/**
 * A lock between processes that share a store: a lock file created with an exclusive `link`, so it
 * appears whole or not at all. Its holder touches it while it works; a lock whose holder died (its pid
 * is gone on this host) or stopped touching it is stale, and the next process takes it over.
 */
import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { ConflictError } from "../errors";
import { errorCode } from "./fs-error";

export interface FileLockOptions {
  /** Give up waiting after this long; `Infinity` waits as long as the holder is alive. */
  timeoutMs?: number;
  /** A lock file untouched for this long belongs to a holder that died or hung. */
  staleMs?: number;
}

const LockOwnerSchema = z.object({ pid: z.number().int(), hostname: z.string(), token: z.string() });
type LockOwner = z.infer<typeof LockOwnerSchema>;

export async function withFileLock<T>(lockPath: string, work: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const staleMs = options.staleMs ?? 30_000;
  const owner: LockOwner = { pid: process.pid, hostname: hostname(), token: randomBytes(12).toString("hex") };
  await acquire(lockPath, owner, staleMs, options.timeoutMs ?? 60_000);
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(lockPath, now, now).catch(() => undefined);
  }, staleMs / 3);
  heartbeat.unref();
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
    await release(lockPath, owner);
  }
}

async function acquire(lockPath: string, owner: LockOwner, staleMs: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const draft = `${lockPath}.${owner.token}`;
  await mkdir(path.dirname(lockPath), { recursive: true });
  await writeFile(draft, JSON.stringify(owner));
  try {
    for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
      try {
        // The lock shares the draft's inode, so its age starts now rather than when we began to wait.
        const now = new Date();
        await utimes(draft, now, now);
        await link(draft, lockPath);
        return;
      } catch (error) {
        if (errorCode(error) !== "EEXIST") throw error;
      }
      if (await breakIfStale(lockPath, owner, staleMs)) continue;
      if (Date.now() >= deadline) {
        const holder = await readOwner(lockPath);
        throw new ConflictError(`The model store is busy: ${lockPath} is held${holder ? ` by process ${holder.owner?.pid ?? "?"}` : ""}.`, {
          fix: `Wait for the other lmr command to finish. If no lmr process is running, delete ${lockPath}.`,
          code: "store_locked",
        });
      }
      await sleep(delay);
    }
  } finally {
    await rm(draft, { force: true });
  }
}

async function release(lockPath: string, owner: LockOwner): Promise<void> {
  // Only remove our own lock: if we stalled long enough for it to be taken over, it is someone else's now.
  const current = await readOwner(lockPath);
  if (current?.owner?.token === owner.token) await rm(lockPath, { force: true });
}

async function breakIfStale(lockPath: string, self: LockOwner, staleMs: number): Promise<boolean> {
  const judged = await readOwner(lockPath);
  if (!judged) return true;
  const abandoned = judged.owner !== undefined && judged.owner.hostname === self.hostname && !isAlive(judged.owner.pid);
  if (!abandoned && Date.now() - judged.mtimeMs < staleMs) return false;

  // Two processes can judge the same stale lock; moving it aside first and checking that we moved the
  // one we judged keeps the slower one from deleting a lock the faster one has just taken.
  const grave = `${lockPath}.stale-${self.token}`;
  try {
    await rename(lockPath, grave);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return true;
    throw error;
  }
  const moved = await readOwner(grave);
  if (moved && moved.raw === judged.raw && moved.mtimeMs === judged.mtimeMs) {
    await rm(grave, { force: true });
    return true;
  }
  await link(grave, lockPath).catch(() => undefined);
  await rm(grave, { force: true });
  return false;
}

async function readOwner(lockPath: string): Promise<{ raw: string; mtimeMs: number; owner: LockOwner | undefined } | undefined> {
  try {
    const [raw, info] = await Promise.all([readFile(lockPath, "utf8"), stat(lockPath)]);
    let owner: LockOwner | undefined;
    try {
      owner = LockOwnerSchema.parse(JSON.parse(raw));
    } catch {
      owner = undefined;
    }
    return { raw, mtimeMs: info.mtimeMs, owner };
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM";
  }
}
