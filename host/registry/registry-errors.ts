import { z } from "zod";
import {
  AuthenticationError,
  type LmrError,
  NotFoundError,
  PermissionError,
  UpstreamError,
} from "../errors";

/** What a failed registry call was about, so its error names it. */
export interface RegistryTarget {
  registry: string;
  repository: string;
  /** Tag or digest, when a manifest was asked for. */
  reference?: string;
  /** Whether the request carried credentials the user gave. */
  loggedIn: boolean;
}

/** The distribution spec's error body. */
const errorBodySchema = z.object({
  errors: z.array(z.object({ code: z.string(), message: z.string().optional() })),
});

/** Turns a registry's error answer into the error a user reads, with what to do about it. */
export async function registryResponseError(response: Response, target: RegistryTarget): Promise<LmrError> {
  const errors = errorBodySchema.safeParse(await response.json().catch(() => undefined)).data?.errors ?? [];
  const codes = new Set(errors.map((error) => error.code));
  const detail = errors.map((error) => error.message ?? error.code).join("; ");
  const { registry, repository } = target;
  const login = `run \`lmr login ${registry}\``;
  const name = target.reference ? `${repository}:${target.reference}`.replace(":sha256:", "@sha256:") : repository;
  const about = repository ? ` for ${repository}` : "";

  switch (response.status) {
    case 401:
      return target.loggedIn
        ? new AuthenticationError(`${registry} rejected your credentials${about}.`, {
            fix: `Check the username and password (or access token), then ${login}.`,
            code: "registry_unauthorized",
          })
        : new AuthenticationError(`${registry} requires you to log in${about}${repository ? ", or the repository does not exist" : ""}.`, {
            fix: `Check the name; if the repository is private, ${login}.`,
            code: "registry_unauthorized",
          });
    case 403:
      return new PermissionError(`Your account may not access ${repository} on ${registry}${detail ? `: ${detail}` : ""}.`, {
        fix: `Ask the repository's owner for access, or ${login} with an account that has it.`,
        code: "registry_denied",
      });
    case 404:
      return codes.has("NAME_UNKNOWN") || !target.reference
        ? new NotFoundError(`Repository ${repository} does not exist on ${registry}.`, {
            fix: "Check the model name and its registry.",
            code: "registry_name_unknown",
          })
        : new NotFoundError(`${name} does not exist on ${registry}.`, {
            fix: `Check the tag: \`lmr quants ${registry}/${repository}\` lists the ones there are.`,
            code: "registry_manifest_unknown",
          });
    case 429:
      return new UpstreamError(`${registry} is rate-limiting requests${detail ? `: ${detail}` : ""}.`, {
        fix: `Wait a while and try again; logging in (${login}) raises the limit on most registries.`,
        code: "registry_rate_limited",
      });
    default:
      return new UpstreamError(
        `${registry} answered HTTP ${response.status}${name ? ` for ${name}` : ""}${detail ? `: ${detail}` : ""}.`,
        { fix: "Try again; if it persists, the registry has a problem.", code: "registry_error" },
      );
  }
}

/** A downloaded blob whose bytes do not hash to its digest. */
export function digestMismatchError(source: string, expected: string, actual: string): UpstreamError {
  return new UpstreamError(
    `The data of ${expected} from ${source} hashes to ${actual}: it is corrupt, and the partial download was deleted.`,
    { fix: "Pull again; if it keeps failing, the copy on the server is damaged and its owner must push it again.", code: "digest_mismatch" },
  );
}
