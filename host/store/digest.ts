/** Content digests: the only names the store puts on disk, so they are checked before any path is built. */
import { createHash } from "node:crypto";
import { UserError } from "../errors";
import { DigestSchema } from "../protocol/store";

export type Digest = `sha256:${string}`;

export function isDigest(value: string): value is Digest {
  return DigestSchema.safeParse(value).success;
}

export function parseDigest(value: string): Digest {
  if (!isDigest(value)) {
    throw new UserError(`Invalid digest "${value}": a digest is "sha256:" followed by 64 lower-case hex digits.`, {
      fix: `For example: sha256:${"0".repeat(64)}`,
      code: "invalid_digest",
    });
  }
  return value;
}

export function digestHex(digest: Digest): string {
  return parseDigest(digest).slice("sha256:".length);
}

export function sha256Digest(data: Uint8Array | string): Digest {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}
