import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { stat } from "node:fs/promises";
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
});
