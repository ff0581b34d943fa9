/**
 * Model references with Docker's naming rules, as Docker Model Runner applies them: a bare name lives in
 * the `ai/` namespace on Docker Hub, a missing tag is `latest`, and `hf.co/<org>/<repo>` names a
 * Hugging Face repository. A reference never names a path: the store addresses everything by digest.
 */
import { UserError } from "../errors";

export const DOCKER_HUB = "docker.io";
export const HUGGING_FACE = "hf.co";
export const DEFAULT_TAG = "latest";
const DEFAULT_NAMESPACE = "ai";

const DOCKER_HUB_ALIASES = new Set([DOCKER_HUB, "index.docker.io", "registry-1.docker.io"]);
const HUGGING_FACE_ALIASES = new Set([HUGGING_FACE, "huggingface.co"]);

const MAX_NAME_LENGTH = 255;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/;
const IPV6_HOST = /^\[[a-fA-F0-9:]+\](?::[0-9]+)?$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** Everything a reference can hold; anything else (spaces, `\`, NUL, `%`) is named in the error. */
const ALLOWED_CHARACTERS = /^[a-zA-Z0-9._\-/:@[\]]$/;

const EXAMPLE = "For example: smollm2, ai/smollm2:latest, localhost:5000/team/coder:Q8_0 or hf.co/org/repo:Q4_K_M.";

export class ModelReference {
  private constructor(
    /** `docker.io`, `hf.co`, or a registry host with an optional port. */
    readonly registry: string,
    /** The path inside the registry, lower case: `ai/smollm2`, `team/coder`. */
    readonly repository: string,
    /** `latest` unless the reference names another tag or only a digest. */
    readonly tag: string | undefined,
    /** `sha256:<hex>` when the reference pins a manifest digest. */
    readonly digest: string | undefined,
  ) {}

  /** Parses a name as a user types it; a `UserError` names the rule it breaks and shows a valid name. */
  static parse(input: string): ModelReference {
    const { registry, repository, tag, digest } = parseFields(input);
    return new ModelReference(registry, repository, tag, digest);
  }

  /** The familiar repository name without tag or digest: `ai/smollm2`, `localhost:5000/team/coder`. */
  get name(): string {
    return this.registry === DOCKER_HUB ? this.repository : `${this.registry}/${this.repository}`;
  }

  get isHuggingFace(): boolean {
    return this.registry === HUGGING_FACE;
  }

  /** The short form `lmr ls` shows and `models.json` keeps: `ai/smollm2:latest`. */
  toString(): string {
    return `${this.name}${this.tag === undefined ? "" : `:${this.tag}`}${this.digest === undefined ? "" : `@${this.digest}`}`;
  }

  /** The same repository under another tag (the digest is dropped: a new tag names its own manifest). */
  withTag(tag: string): ModelReference {
    if (!TAG.test(tag)) throw invalidTag(tag, this.name);
    return new ModelReference(this.registry, this.repository, tag, undefined);
  }

  equals(other: ModelReference): boolean {
    return this.toString() === other.toString();
  }
}

interface ReferenceFields {
  registry: string;
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
}

function parseFields(input: string): ReferenceFields {
  if (typeof input !== "string" || input.trim() === "") {
    throw new UserError("A model name is required.", { fix: EXAMPLE, code: "invalid_reference" });
  }
  for (const character of input) {
    if (!ALLOWED_CHARACTERS.test(character)) {
      throw invalidReference(
        input,
        `it contains ${JSON.stringify(character)}; a model name holds only letters, digits, ".", "_", "-", "/", ":" and "@"`,
      );
    }
  }

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) {
      throw new UserError(`Invalid digest "${digest}" in "${input}": a digest is "sha256:" followed by 64 lower-case hex digits.`, {
        fix: "For example: ai/smollm2@sha256:" + "0123456789abcdef".repeat(4),
        code: "invalid_reference",
      });
    }
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalidTag(tag, input);
  }

  if (rest.length > MAX_NAME_LENGTH) {
    throw invalidReference(input, `the name is longer than ${MAX_NAME_LENGTH} characters`);
  }

  let registry = DOCKER_HUB;
  let path = rest;
  const slash = rest.indexOf("/");
  const first = slash === -1 ? "" : rest.slice(0, slash);
  if (first.includes(".") || first.includes(":") || first === "localhost") {
    if (!HOST.test(first) && !IPV6_HOST.test(first)) {
      throw invalidReference(input, `"${first}" is not a registry host name (letters, digits and "-" between dots, an optional :port)`);
    }
    registry = first.toLowerCase();
    path = rest.slice(slash + 1);
    if (DOCKER_HUB_ALIASES.has(registry)) registry = DOCKER_HUB;
    if (HUGGING_FACE_ALIASES.has(registry)) registry = HUGGING_FACE;
  }

  if (registry === HUGGING_FACE) {
    // Hugging Face repository IDs are case-insensitive; DMR keeps them in lower case.
    path = path.toLowerCase();
    if (path.split("/").length !== 2) {
      throw invalidReference(input, 'a Hugging Face reference is "hf.co/<org>/<repo>"', "For example: hf.co/bartowski/smollm2-135m-instruct-gguf:Q4_K_M");
    }
  } else if (registry === DOCKER_HUB && !path.includes("/")) {
    path = `${DEFAULT_NAMESPACE}/${path}`;
  }

  for (const component of path.split("/")) {
    if (component === "") {
      throw invalidReference(input, 'a name has no empty path components (no leading, trailing or doubled "/")');
    }
    if (component !== component.toLowerCase() && PATH_COMPONENT.test(component.toLowerCase())) {
      throw invalidReference(input, "repository names are lower case", `Did you mean ${input.replace(rest, rest.toLowerCase())}?`);
    }
    if (!PATH_COMPONENT.test(component)) {
      throw invalidReference(
        input,
        `"${component}" is not a valid path component: lower-case letters and digits, separated by one ".", "_", "__" or dashes, never at either end`,
      );
    }
  }

  return { registry, repository: path, tag: tag ?? (digest === undefined ? DEFAULT_TAG : undefined), digest };
}

function invalidReference(input: string, rule: string, fix = EXAMPLE): UserError {
  return new UserError(`Invalid model name "${input}": ${rule}.`, { fix, code: "invalid_reference" });
}

function invalidTag(tag: string, input: string): UserError {
  return new UserError(
    `Invalid tag "${tag}" in "${input}": a tag is 1 to 128 letters, digits, "_", "." or "-" and starts with a letter, digit or "_".`,
    { fix: "For example: ai/smollm2:Q4_K_M", code: "invalid_reference" },
  );
}
