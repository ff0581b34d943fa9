import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NotFoundError } from "../../host/errors";
import { type HubFile, quantizationInName, selectHubFiles } from "../../host/registry/hf-files";

const file = (path: string): HubFile => ({ path, size: 1, sha256: undefined });
const paths = (files: readonly HubFile[]) => files.map((entry) => entry.path);

const repository = [
  ".gitattributes",
  "README.md",
  "Qwen2.5-Coder-1.5B-Instruct-IQ4_XS.gguf",
  "Qwen2.5-Coder-1.5B-Instruct-Q4_K_M.gguf",
  "Qwen2.5-Coder-1.5B-Instruct-Q4_K_S.gguf",
  "Qwen2.5-Coder-1.5B-Instruct.Q8_0.gguf",
  "Qwen2.5-Coder-1.5B-Instruct_f16.gguf",
  "mmproj-Qwen2.5-F32.gguf",
  "mmproj-Qwen2.5-F16.gguf",
  "Q6_K/Qwen2.5-Coder-1.5B-Instruct-Q6_K-00002-of-00002.gguf",
  "Q6_K/Qwen2.5-Coder-1.5B-Instruct-Q6_K-00001-of-00002.gguf",
].map(file);

describe("choosing Hugging Face files for a tag (Docker Model Runner's rules)", () => {
  it("takes Q4_K_M when the reference has no tag or says latest, and brings the projector", () => {
    for (const tag of [undefined, "latest"]) {
      const selection = selectHubFiles("org/repo", repository, tag);
      assert.equal(selection.format, "gguf");
      if (selection.format !== "gguf") return;
      assert.deepEqual(paths(selection.shards), ["Qwen2.5-Coder-1.5B-Instruct-Q4_K_M.gguf"]);
      assert.equal(selection.quantization, "Q4_K_M");
      assert.equal(selection.projector?.path, "mmproj-Qwen2.5-F16.gguf");
    }
  });

  it("matches the tag case-insensitively between -, . and _ separators, never inside a longer name", () => {
    const pick = (tag: string) => {
      const selection = selectHubFiles("org/repo", repository, tag);
      return selection.format === "gguf" ? paths(selection.shards) : [];
    };
    assert.deepEqual(pick("q8_0"), ["Qwen2.5-Coder-1.5B-Instruct.Q8_0.gguf"]);
    assert.deepEqual(pick("F16"), ["Qwen2.5-Coder-1.5B-Instruct_f16.gguf"]);
    assert.deepEqual(pick("Q4_K_S"), ["Qwen2.5-Coder-1.5B-Instruct-Q4_K_S.gguf"]);
    assert.deepEqual(pick("iq4_xs"), ["Qwen2.5-Coder-1.5B-Instruct-IQ4_XS.gguf"]);
    assert.throws(() => pick("Q4_XS"), NotFoundError, "IQ4_XS is not Q4_XS");
  });

  it("takes every shard of a split model, in order", () => {
    const selection = selectHubFiles("org/repo", repository, "Q6_K");
    assert.equal(selection.format, "gguf");
    if (selection.format !== "gguf") return;
    assert.deepEqual(paths(selection.shards), [
      "Q6_K/Qwen2.5-Coder-1.5B-Instruct-Q6_K-00001-of-00002.gguf",
      "Q6_K/Qwen2.5-Coder-1.5B-Instruct-Q6_K-00002-of-00002.gguf",
    ]);
  });

  it("names the quantizations there are when the tag matches none", () => {
    assert.throws(() => selectHubFiles("org/repo", repository, "Q2_K"), (error: NotFoundError) => {
      assert.match(error.message, /no GGUF file for Q2_K/);
      assert.match(error.fix ?? "", /hf\.co\/org\/repo:Q4_K_M/);
      assert.match(error.fix ?? "", /hf\.co\/org\/repo:Q6_K/);
      return true;
    });
  });

  it("takes the only model of a repository without Q4_K_M when no tag is given", () => {
    const selection = selectHubFiles("org/repo", [file("tiny-F32.gguf")], undefined);
    assert.equal(selection.format === "gguf" && selection.shards[0]?.path, "tiny-F32.gguf");
  });

  it("pulls a safetensors repository whole, without git's own files", () => {
    const selection = selectHubFiles("org/repo", ["config.json", "model.safetensors", "tokenizer.json", ".gitattributes"].map(file), undefined);
    assert.equal(selection.format, "safetensors");
    assert.deepEqual(selection.format === "safetensors" && paths(selection.files), ["config.json", "model.safetensors", "tokenizer.json"]);
  });

  it("reads the quantization out of a file name", () => {
    assert.equal(quantizationInName("Q6_K/model-Q6_K-00001-of-00002.gguf"), "Q6_K");
    assert.equal(quantizationInName("model.q8_0.gguf"), "Q8_0");
    assert.equal(quantizationInName("model-UD-Q4_K_XL.gguf"), "UD-Q4_K_XL");
    assert.equal(quantizationInName("model-bf16.gguf"), "BF16");
    assert.equal(quantizationInName("model.gguf"), undefined);
  });
});
