/**
 * Where each thing lives under the store root, in Docker Model Runner's layout. Every path below the
 * root is built from a checked digest or a fixed name, so nothing a user or a registry names can
 * point outside it.
 */
import path from "node:path";
import { type Digest, digestHex } from "./digest";

export class StoreLayout {
  constructor(readonly root: string) {}

  get layoutFile(): string {
    return path.join(this.root, "layout.json");
  }

  get indexFile(): string {
    return path.join(this.root, "models.json");
  }

  /** Our own file (DMR has none): `lmr configure` records by model ID. */
  get configurationsFile(): string {
    return path.join(this.root, "configurations.json");
  }

  get blobsDir(): string {
    return path.join(this.root, "blobs", "sha256");
  }

  blob(digest: Digest): string {
    return path.join(this.blobsDir, digestHex(digest));
  }

  /** A download in progress; DMR's puller resumes the same file. */
  incompleteBlob(digest: Digest): string {
    return `${this.blob(digest)}.incomplete`;
  }

  manifest(digest: Digest): string {
    return path.join(this.root, "manifests", "sha256", digestHex(digest));
  }

  get bundlesDir(): string {
    return path.join(this.root, "bundles", "sha256");
  }

  /** The folder of hard links an engine loads from, named by the model's manifest digest. */
  bundle(digest: Digest): string {
    return path.join(this.bundlesDir, digestHex(digest));
  }

  /** Guards models.json, the manifests and configurations.json. */
  get indexLock(): string {
    return path.join(this.root, "locks", "index.lock");
  }

  /** Keeps two processes from writing the same blob at once. */
  blobLock(digest: Digest): string {
    return path.join(this.root, "locks", `blob-${digestHex(digest)}.lock`);
  }
}
