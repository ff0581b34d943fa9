import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UserError } from "../../host/errors";
import { ModelReference } from "../../host/store/reference";

const HEX = "0123456789abcdef".repeat(4);

describe("ModelReference.parse", () => {
  const valid: Array<[input: string, registry: string, repository: string, tag: string | undefined, digest: string | undefined, familiar: string]> = [
    ["smollm2", "docker.io", "ai/smollm2", "latest", undefined, "ai/smollm2:latest"],
    ["smollm2:360M-Q4_K_M", "docker.io", "ai/smollm2", "360M-Q4_K_M", undefined, "ai/smollm2:360M-Q4_K_M"],
    ["ai/smollm2", "docker.io", "ai/smollm2", "latest", undefined, "ai/smollm2:latest"],
    ["me/x", "docker.io", "me/x", "latest", undefined, "me/x:latest"],
    ["docker.io/me/x:v1", "docker.io", "me/x", "v1", undefined, "me/x:v1"],
    ["index.docker.io/ai/llama3.2:3B-Q4_K_M", "docker.io", "ai/llama3.2", "3B-Q4_K_M", undefined, "ai/llama3.2:3B-Q4_K_M"],
    ["docker.io/gemma3", "docker.io", "ai/gemma3", "latest", undefined, "ai/gemma3:latest"],
    ["localhost:5000/team/coder:Q8_0", "localhost:5000", "team/coder", "Q8_0", undefined, "localhost:5000/team/coder:Q8_0"],
    ["localhost/x", "localhost", "x", "latest", undefined, "localhost/x:latest"],
    ["Registry.Example.com:443/a/b/c", "registry.example.com:443", "a/b/c", "latest", undefined, "registry.example.com:443/a/b/c:latest"],
    ["[::1]:5000/x", "[::1]:5000", "x", "latest", undefined, "[::1]:5000/x:latest"],
    [`ai/smollm2@sha256:${HEX}`, "docker.io", "ai/smollm2", undefined, `sha256:${HEX}`, `ai/smollm2@sha256:${HEX}`],
    [`ai/smollm2:v2@sha256:${HEX}`, "docker.io", "ai/smollm2", "v2", `sha256:${HEX}`, `ai/smollm2:v2@sha256:${HEX}`],
    ["hf.co/bartowski/SmolLM2-135M-Instruct-GGUF:Q4_K_M", "hf.co", "bartowski/smollm2-135m-instruct-gguf", "Q4_K_M", undefined, "hf.co/bartowski/smollm2-135m-instruct-gguf:Q4_K_M"],
    ["huggingface.co/org/repo", "hf.co", "org/repo", "latest", undefined, "hf.co/org/repo:latest"],
    ["a__b/c--d.e_f", "docker.io", "a__b/c--d.e_f", "latest", undefined, "a__b/c--d.e_f:latest"],
    [`x:_${"a".repeat(127)}`, "docker.io", "ai/x", `_${"a".repeat(127)}`, undefined, `ai/x:_${"a".repeat(127)}`],
  ];
  for (const [input, registry, repository, tag, digest, familiar] of valid) {
    it(`reads ${input}`, () => {
      const reference = ModelReference.parse(input);
      assert.deepEqual(
        { registry: reference.registry, repository: reference.repository, tag: reference.tag, digest: reference.digest },
        { registry, repository, tag, digest },
      );
      assert.equal(reference.toString(), familiar);
      assert.equal(ModelReference.parse(familiar).toString(), familiar, "the familiar form reads back to itself");
    });
  }

  const invalid: Array<[input: string, rule: RegExp]> = [
    ["", /required/],
    ["   ", /required/],
    ["SmolLM2", /lower case/],
    ["Me/x", /lower case/],
    ["../etc/passwd", /registry host/],
    ["ai/../x", /"\.\." is not a valid path component/],
    ["ai/./x", /"\." is not a valid path component/],
    ["/abs/path", /empty path components/],
    ["ai//x", /empty path components/],
    ["ai/x/", /empty path components/],
    ["C:\\models\\x", /contains "\\\\"/],
    ["ai/x\u0000y", /contains "\\u0000"/],
    ["ai/x y", /contains " "/],
    ["ai/x%2e", /contains "%"/],
    ["ai/-x", /"-x" is not a valid path component/],
    ["ai/x_", /"x_" is not a valid path component/],
    ["ai/x:", /Invalid tag ""/],
    ["ai/x:.hidden", /Invalid tag ".hidden"/],
    [`ai/x:${"a".repeat(129)}`, /Invalid tag/],
    ["ai/x@sha256:abc", /Invalid digest/],
    [`ai/x@sha256:${HEX.toUpperCase()}`, /Invalid digest/],
    [`ai/x@md5:${HEX}`, /Invalid digest/],
    [`ai/${"a".repeat(253)}`, /longer than 255/],
    ["hf.co/repo-only", /hf\.co\/<org>\/<repo>/],
    ["hf.co/a/b/c", /hf\.co\/<org>\/<repo>/],
    ["-bad-.example.com/x", /registry host/],
    [":latest", /empty path components/],
  ];
  for (const [input, rule] of invalid) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      assert.throws(
        () => ModelReference.parse(input),
        (error: unknown) => {
          assert.ok(error instanceof UserError, "a UserError");
          assert.match(error.message, rule);
          assert.match(error.fix ?? "", /example|Did you mean/i, "the fix shows a valid name");
          assert.equal(error.code, "invalid_reference");
          return true;
        },
      );
    });
  }

  it("suggests the lower-case name", () => {
    assert.throws(() => ModelReference.parse("ai/SmolLM2:Q4_K_M"), (error: UserError) => error.fix === "Did you mean ai/smollm2:Q4_K_M?");
  });

  it("moves to another tag and compares by the familiar form", () => {
    const reference = ModelReference.parse(`smollm2@sha256:${HEX}`);
    assert.equal(reference.withTag("mine").toString(), "ai/smollm2:mine");
    assert.throws(() => reference.withTag("../x"), UserError);
    assert.ok(ModelReference.parse("docker.io/ai/smollm2:latest").equals(ModelReference.parse("smollm2")));
    assert.equal(ModelReference.parse("localhost:5000/x").name, "localhost:5000/x");
    assert.ok(ModelReference.parse("hf.co/a/b").isHuggingFace);
  });
});
