import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFile, stat, writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { BlobWriter } from "../../host/store/blob-writer";
import { temporaryDir } from "./store-fixtures";

describe("BlobWriter", () => {
  it("writes the rest of a chunk that waited for a free batch before it closes the file", async () => {
    const file = path.join(await temporaryDir("blob-writer"), "blob.incomplete");
    const writer = await BlobWriter.open(file);
    const chunk = randomBytes(4 * 1024 * 1024);
    // Written without yielding, the batches cannot come back: the writer soon keeps the rest of a chunk waiting.
    let chunks = 1;
    while (writer.write(chunk) === undefined) chunks++;
    // A download whose body ended at that moment closes the file at once.
    const hex = await writer.finish();

    const expected = createHash("sha256");
    for (let i = 0; i < chunks; i++) expected.update(chunk);
    assert.equal(hex, expected.digest("hex"));
    assert.equal((await stat(file)).size, chunks * chunk.length);
  });

  it("puts a resumed download's bytes after the old ones, byte for byte, across a stall and at odd offsets", async () => {
    const file = path.join(await temporaryDir("blob-writer"), "blob.incomplete");
    // Odd lengths everywhere: the file's and each part's. Some of it is written around the page cache (aligned
    // whole batches), some through it (the rest), and the two must meet exactly.
    const parts = [randomBytes(1000), randomBytes(5 * 1024 * 1024 + 123), randomBytes(9 * 1024 * 1024 + 7)];
    await writeFile(file, parts[0]!);
    const writer = await BlobWriter.open(file);
    assert.equal(writer.resumedBytes, parts[0]!.length);
    await writer.write(parts[1]!);
    // A stalled download's batch goes to disk as it is, ending at an odd offset.
    await sleep(400);
    await writer.write(parts[2]!);
    const hex = await writer.finish();

    const whole = Buffer.concat(parts);
    assert.deepEqual(await readFile(file), whole);
    assert.equal(hex, createHash("sha256").update(whole).digest("hex"));
  });

  it("takes bytes read into its space in place, and copies them when a stall sent that batch on meanwhile", async () => {
    const file = path.join(await temporaryDir("blob-writer"), "blob.incomplete");
    const writer = await BlobWriter.open(file);
    const readInto = (bytes: Buffer) => {
      const space = writer.space()!;
      space.set(bytes);
      return space.subarray(0, bytes.length);
    };
    const parts = [randomBytes(3 * 1024 * 1024), randomBytes(1024 * 1024 - 1000), randomBytes(777)];
    await writer.write(readInto(parts[0]!));
    // Read into the space, then held past the stall timeout: the batch went to disk without these bytes.
    const late = readInto(parts[1]!);
    await sleep(400);
    await writer.write(late);
    await writer.write(readInto(parts[2]!));
    const hex = await writer.finish();

    const whole = Buffer.concat(parts);
    assert.deepEqual(await readFile(file), whole);
    assert.equal(hex, createHash("sha256").update(whole).digest("hex"));
  });
});
