import { isLmrError } from "../errors";
import { formatParameterCount, parameterCount, quantizationOf, weightBytes } from "../gguf/quantization";
import { readGgufHeader } from "../gguf/reader";
import type { GgufHeader } from "../gguf/types";
import { MediaType, type OciManifest } from "../protocol/store";
import { parseConfigFile, parseManifest } from "../store/artifact";
import { ModelReference } from "../store/reference";
import { RegistryClient } from "./client";
import { fileSets, isProjector, quantizationInName } from "./hf-files";
import { HuggingFaceRepository } from "./huggingface";
import { estimateMemory, type MemoryEstimate } from "../gguf/memory-estimate";
import { inParallel } from "./parallel";
import { rangeReader } from "./range-reader";

export interface QuantizationInfo {
  /** What to pull it by: `ai/llama3.2:3B-Q4_K_M`, `hf.co/org/repo:Q8_0`. */
  reference: string;
  tag: string;
  /** As the GGUF header declares it (`general.file_type`, else the type of most weights). */
  quantization: string;
  /** Bits of tensor data per weight, over the tensors of the first file. */
  bitsPerWeight: number;
  /** DMR's notation, `1.24B`. */
  parameters: string;
  /** Bytes of the GGUF files to download. */
  size: number;
  contextSize: number;
  memory: MemoryEstimate;
}

export interface ListQuantizationsOptions {
  /** Tokens of context the memory estimate is for; 4096, Docker Model Runner's default, when not given. */
  contextSize?: number;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export const defaultContextSize = 4096;
const parallelReads = 4;

/**
 * Every quantization a repository offers, each with what it costs to run, before anything is downloaded: the
 * tags of an OCI repository, or the GGUF files of a Hugging Face one, each known from its GGUF header alone,
 * read with HTTP Range requests. Tags that are not GGUF models (safetensors, images) are left out.
 */
export async function listQuantizations(
  reference: string | ModelReference,
  options: ListQuantizationsOptions = {},
): Promise<QuantizationInfo[]> {
  const ref = typeof reference === "string" ? ModelReference.parse(reference) : reference;
  const contextSize = options.contextSize ?? defaultContextSize;
  const candidates = ref.isHuggingFace ? await hubCandidates(ref, options) : await registryCandidates(ref, options);
  const results: (QuantizationInfo | undefined)[] = [];
  await inParallel([...candidates.entries()], parallelReads, options.signal, async ([index, candidate]) => {
    results[index] = await describe(candidate, contextSize);
  });
  return results.filter((result): result is QuantizationInfo => result !== undefined);
}

/** One tag or file set, and how to learn what it is: undefined when it turns out not to be a GGUF model. */
interface Candidate {
  reference: string;
  tag: string;
  read: () => Promise<CandidateFacts | undefined>;
}

interface CandidateFacts {
  header: GgufHeader;
  /** Bytes of all its GGUF files. */
  size: number;
  /** The packager's count over all shards, where there is one. */
  parameters?: string;
}

async function describe(candidate: Candidate, contextSize: number): Promise<QuantizationInfo | undefined> {
  const facts = await candidate.read();
  if (!facts) return undefined;
  const { header, size } = facts;
  const parameters = parameterCount(header.tensors);
  return {
    reference: candidate.reference,
    tag: candidate.tag,
    quantization: quantizationOf(header),
    bitsPerWeight: parameters > 0 ? (weightBytes(header.tensors) * 8) / parameters : 0,
    parameters: facts.parameters ?? formatParameterCount(parameters),
    size,
    contextSize,
    memory: estimateMemory(header, { weightBytes: size, contextSize }),
  };
}

async function registryCandidates(ref: ModelReference, options: ListQuantizationsOptions): Promise<Candidate[]> {
  const { signal } = options;
  const client = await RegistryClient.connect(ref.registry, { env: options.env, signal });
  // Tags often share a manifest (latest and its explicit name): each header is read once.
  const headers = new Map<string, Promise<GgufHeader>>();
  const readHeader = (digest: string, name: string) => {
    const header = headers.get(digest) ?? readGgufHeader(rangeReader((range) => client.blob(ref.repository, digest, range, signal), name), { name });
    headers.set(digest, header);
    return header;
  };
  return (await client.tags(ref.repository, signal)).map((tag) => ({
    reference: `${ref.name}:${tag}`,
    tag,
    read: async () => {
      const fetched = await client.manifest(ref.repository, tag, signal);
      let manifest: OciManifest;
      try {
        manifest = parseManifest(fetched.bytes);
      } catch (error) {
        if (isLmrError(error)) return undefined;
        throw error;
      }
      const ggufs = manifest.layers.filter((layer) => layer.mediaType === MediaType.gguf);
      if (!ggufs[0]) return undefined;
      const configBlob = await client.blob(ref.repository, manifest.config.digest, { start: 0 }, signal);
      const config = parseConfigFile(new Uint8Array(await configBlob.arrayBuffer()));
      return {
        header: await readHeader(ggufs[0].digest, `${ref.name}:${tag}`),
        size: ggufs.reduce((total, layer) => total + layer.size, 0),
        parameters: config.config.parameters,
      };
    },
  }));
}

async function hubCandidates(ref: ModelReference, options: ListQuantizationsOptions): Promise<Candidate[]> {
  const hub = new HuggingFaceRepository(ref.repository, options.env);
  const files = await hub.files(options.signal);
  const models = files.filter((file) => file.path.toLowerCase().endsWith(".gguf") && !isProjector(file.path));
  return fileSets(models).map((shards) => {
    const first = shards[0]!;
    const tag = quantizationInName(first.path) ?? first.path.replace(/\.gguf$/i, "");
    const name = `${hub.name}/${first.path}`;
    return {
      reference: `${ref.name}:${tag}`,
      tag,
      read: async () => ({
        header: await readGgufHeader(rangeReader((range) => hub.download(first.path, range, options.signal), name), { name }),
        size: shards.reduce((total, file) => total + file.size, 0),
      }),
    };
  });
}
