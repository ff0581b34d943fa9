import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { readGgufFileInfo } from "node-llama-cpp";
import { NotFoundError, UserError } from "../../host/errors";
import { quantize } from "../../host/gguf/quantize";
import { readGgufHeader, type GgufByteReader } from "../../host/gguf/reader";
import { ggufValue } from "../../host/gguf/typed-value";
import { GgmlType, GgufValueType } from "../../host/gguf/types";
import { writeGguf, type GgufWriteInput } from "../../host/gguf/writer";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "lmr-gguf-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const everyType = {
  "general.architecture": "llama",
  "test.u8": ggufValue.u8(255),
  "test.i8": ggufValue.i8(-128),
  "test.u16": ggufValue.u16(65535),
  "test.i16": ggufValue.i16(-32768),
  "test.u32": ggufValue.u32(4294967295),
  "test.i32": ggufValue.i32(-2147483648),
  "test.f32": ggufValue.f32(1.5),
  "test.f64": ggufValue.f64(Math.PI),
  "test.u64": ggufValue.u64(18446744073709551615n),
  "test.i64": ggufValue.i64(-9223372036854775808n),
  "test.bool": false,
  "test.string": "ünïcødé ✓ and \"quotes\"\n",
  "test.empty": ggufValue.array(GgufValueType.UINT32, []),
  "test.floats": ggufValue.array(GgufValueType.FLOAT32, new Float32Array([0.25, -2, 1e-5])),
  "test.strings": ggufValue.array(GgufValueType.STRING, ["<s>", "", "▁Hello"]),
  "test.bools": ggufValue.array(GgufValueType.BOOL, [true, false]),
  "test.i64s": ggufValue.array(GgufValueType.INT64, [-1n, 1n << 40n]),
  "test.nested": ggufValue.array(GgufValueType.ARRAY, [
    ggufValue.array(GgufValueType.INT8, [1, -2]),
    ggufValue.array(GgufValueType.STRING, ["x"]),
  ]),
} satisfies GgufWriteInput["metadata"];

const expectedMetadata = {
  "general.architecture": "llama",
  "test.u8": 255,
  "test.i8": -128,
  "test.u16": 65535,
  "test.i16": -32768,
  "test.u32": 4294967295,
  "test.i32": -2147483648,
  "test.f32": 1.5,
  "test.f64": Math.PI,
  "test.u64": 18446744073709551615n,
  "test.i64": -9223372036854775808n,
  "test.bool": false,
  "test.string": "ünïcødé ✓ and \"quotes\"\n",
  "test.empty": [],
  "test.floats": [0.25, -2, Math.fround(1e-5)],
  "test.strings": ["<s>", "", "▁Hello"],
  "test.bools": [true, false],
  "test.i64s": [-1n, 1n << 40n],
  "test.nested": [[1, -2], ["x"]],
};

function ramp(length: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => (i % 17) / 8 - 1);
}

describe("GGUF reader and writer", () => {
  test("round-trips every value type, arrays, tensors and their alignment", async () => {
    const path = join(dir, "every-type.gguf");
    const norm = quantize(GgmlType.F32, ramp(8));
    const matrix = quantize(GgmlType.Q8_0, ramp(64 * 3));
    await writeGguf(path, {
      metadata: { ...everyType, "general.alignment": ggufValue.u32(64) },
      tensors: [
        { name: "norm.weight", type: GgmlType.F32, dims: [8], data: norm },
        // Chunks of odd sizes: the writer must not care how a tensor's bytes are cut.
        { name: "blk.0.weight", type: GgmlType.Q8_0, dims: [64, 3], data: () => [matrix.subarray(0, 5), matrix.subarray(5)] },
        { name: "half.weight", type: GgmlType.F16, dims: [2, 2, 2], data: quantize(GgmlType.F16, ramp(8)) },
      ],
    });

    const header = await readGgufHeader(path);
    assert.equal(header.version, 3);
    assert.deepEqual(header.metadata, { ...expectedMetadata, "general.alignment": 64 });
    assert.deepEqual(
      header.tensors.map(({ name, dims, type }) => ({ name, dims, type })),
      [
        { name: "norm.weight", dims: [8n], type: GgmlType.F32 },
        { name: "blk.0.weight", dims: [64n, 3n], type: GgmlType.Q8_0 },
        { name: "half.weight", dims: [2n, 2n, 2n], type: GgmlType.F16 },
      ],
    );
    assert.deepEqual(header.metadataTypes["test.f32"], { type: GgufValueType.FLOAT32 });
    assert.deepEqual(header.metadataTypes["test.u64"], { type: GgufValueType.UINT64 });
    assert.deepEqual(header.metadataTypes["test.floats"], { type: GgufValueType.ARRAY, itemType: GgufValueType.FLOAT32 });
    assert.deepEqual(header.metadataTypes["test.nested"], { type: GgufValueType.ARRAY, itemType: GgufValueType.ARRAY });
    assert.deepEqual(header.metadataTypes["general.architecture"], { type: GgufValueType.STRING });
    assert.equal(header.dataOffset % 64, 0);
    assert.ok(header.dataOffset >= header.headerSize && header.dataOffset - header.headerSize < 64);
    assert.deepEqual(header.tensors.map((tensor) => tensor.offset), [0n, 64n, 64n * 5n]);

    const file = await readFile(path);
    const at = (index: number) => header.dataOffset + Number(header.tensors[index]!.offset);
    assert.deepEqual(file.subarray(at(0), at(0) + norm.length), Buffer.from(norm));
    assert.deepEqual(file.subarray(at(1), at(1) + matrix.length), Buffer.from(matrix));
    assert.equal(file.length, at(2) + 64, "the last tensor is padded to the alignment too");
  });

  test("writes files that node-llama-cpp's own GGUF parser reads the same way", async () => {
    const path = join(dir, "cross-check.gguf");
    await writeGguf(path, {
      metadata: everyType,
      tensors: [{ name: "w", type: GgmlType.Q4_0, dims: [32, 2], data: quantize(GgmlType.Q4_0, ramp(64)) }],
    });
    const theirs = await readGgufFileInfo(path, { readTensorInfo: true, logWarnings: false });
    const ours = await readGgufHeader(path);
    assert.deepEqual(theirs.fullTensorInfo?.map((tensor) => [tensor.name, tensor.dimensions.map(Number), tensor.ggmlType]), [
      ["w", [32, 2], GgmlType.Q4_0],
    ]);
    assert.equal(theirs.tensorInfo?.[0]?.fileOffset, ours.dataOffset);
    const flat = theirs.metadata as unknown as { test: Record<string, unknown> };
    assert.equal(flat.test["string"], expectedMetadata["test.string"]);
    assert.equal(flat.test["u32"], 4294967295);
    assert.deepEqual(flat.test["strings"], expectedMetadata["test.strings"]);
  });

  test("reads a remote header through ranged reads without fetching tensor data", async () => {
    const path = join(dir, "big-vocabulary.gguf");
    const tokens = Array.from({ length: 60_000 }, (_, i) => `token-${i}`);
    const tensorBytes = 8 * 1024 * 1024;
    await writeGguf(path, {
      metadata: { "tokenizer.ggml.tokens": ggufValue.array(GgufValueType.STRING, tokens) },
      tensors: [{ name: "big", type: GgmlType.I8, dims: [tensorBytes], data: new Uint8Array(tensorBytes) }],
    });
    const file = await readFile(path);
    const requests: [number, number][] = [];
    const ranged: GgufByteReader = async (offset, length) => {
      requests.push([offset, length]);
      return file.subarray(offset, offset + length);
    };

    const header = await readGgufHeader(ranged, { name: "registry blob" });
    assert.deepEqual(header.metadata["tokenizer.ggml.tokens"], tokens);
    assert.ok(requests.length > 1, "a header larger than the first read takes more reads");
    const fetched = Math.max(...requests.map(([offset, length]) => offset + length));
    assert.ok(fetched < file.length / 2, `fetched ${fetched} bytes of ${file.length}`);
    assert.ok(header.headerSize > 600_000);
  });

  test("reads a file that ends right after its last metadata value", async () => {
    const path = join(dir, "metadata-only.gguf");
    await writeGguf(path, { metadata: { "general.architecture": "llama", "test.last": true }, tensors: [] });
    const { headerSize } = await readGgufHeader(path);
    const bytes = (await readFile(path)).subarray(0, headerSize);
    const header = await readGgufHeader(async (offset, length) => bytes.subarray(offset, offset + length));
    assert.deepEqual(header.metadata, { "general.architecture": "llama", "test.last": true });
    assert.deepEqual(header.tensors, []);
  });

  test("says what is wrong with a file that is not GGUF, truncated, too old or missing", async () => {
    const text = join(dir, "notes.txt");
    await writeFile(text, "just some text, not a model");
    await assert.rejects(readGgufHeader(text), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /notes\.txt is not a GGUF file/);
      assert.ok(error.fix);
      return true;
    });

    const whole = join(dir, "whole.gguf");
    await writeGguf(whole, { metadata: everyType, tensors: [] });
    const truncated = join(dir, "truncated.gguf");
    await writeFile(truncated, (await readFile(whole)).subarray(0, 100));
    await assert.rejects(readGgufHeader(truncated), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /truncated/);
      assert.match(error.fix ?? "", /again/);
      return true;
    });

    const old = join(dir, "v1.gguf");
    const v1 = Buffer.from(await readFile(whole));
    v1.writeUInt32LE(1, 4);
    await writeFile(old, v1);
    await assert.rejects(readGgufHeader(old), /GGUF version 1/);

    const bigEndian = join(dir, "big-endian.gguf");
    const swapped = Buffer.from(await readFile(whole));
    swapped.writeUInt32BE(3, 4);
    await writeFile(bigEndian, swapped);
    await assert.rejects(readGgufHeader(bigEndian), /big-endian/);

    await assert.rejects(readGgufHeader(join(dir, "absent.gguf")), NotFoundError);
  });

  test("refuses tensor data that does not match the tensor's type and shape, leaving no file", async () => {
    const path = join(dir, "short.gguf");
    await assert.rejects(
      writeGguf(path, {
        metadata: {},
        tensors: [{ name: "w", type: GgmlType.Q8_0, dims: [32, 2], data: new Uint8Array(34) }],
      }),
      /supplied 34 bytes where its type and shape take 68/,
    );
    await assert.rejects(stat(path), { code: "ENOENT" });
    await assert.rejects(stat(`${path}.partial`), { code: "ENOENT" });

    await assert.rejects(
      writeGguf(path, { metadata: {}, tensors: [{ name: "w", type: GgmlType.Q4_0, dims: [48], data: new Uint8Array(27) }] }),
      /does not split into Q4_0 blocks of 32/,
    );
  });
});
