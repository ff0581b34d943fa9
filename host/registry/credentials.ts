import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import { UserError } from "../errors";
import { DOCKER_HUB } from "../store/reference";

/** A registry account as `lmr login` saved it or `docker login` left it in `~/.docker/config.json`. */
export interface Credentials {
  username: string;
  password: string;
}

const lmrCredentialsSchema = z.object({
  auths: z.record(z.string(), z.object({ username: z.string(), password: z.string() })).default({}),
});

/** Docker's `config.json`: only `auths` matters here; credential helpers (`credsStore`) are not run. */
const dockerConfigSchema = z.object({
  auths: z
    .record(
      z.string(),
      z.object({ auth: z.string().optional(), username: z.string().optional(), password: z.string().optional() }),
    )
    .default({}),
});

type LmrCredentials = z.infer<typeof lmrCredentialsSchema>;

/** `lmr login`'s own file: `$LMR_HOME/credentials.json`, `~/.lmr` by default. */
export function lmrCredentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.LMR_HOME ?? join(homedir(), ".lmr"), "credentials.json");
}

function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  return join(env.DOCKER_CONFIG ?? join(homedir(), ".docker"), "config.json");
}

/** Credentials for a registry: `lmr login`'s first, then Docker's. */
export async function findCredentials(
  registry: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Credentials | undefined> {
  const own = (await readLmrCredentials(env)).auths[registry];
  if (own) return own;
  const docker = await readJson(dockerConfigPath(env), dockerConfigSchema);
  for (const [key, entry] of Object.entries(docker?.auths ?? {})) {
    if (normalizeRegistry(key) !== registry) continue;
    if (entry.username && entry.password) return { username: entry.username, password: entry.password };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
  }
  return undefined;
}

export async function saveCredentials(
  registry: string,
  credentials: Credentials,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const file = await readLmrCredentials(env);
  file.auths[registry] = credentials;
  await writeLmrCredentials(file, env);
}

/** Forgets `lmr login`'s credentials for a registry; says whether there were any. */
export async function removeCredentials(registry: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const file = await readLmrCredentials(env);
  if (!(registry in file.auths)) return false;
  delete file.auths[registry];
  await writeLmrCredentials(file, env);
  return true;
}

async function readLmrCredentials(env: NodeJS.ProcessEnv): Promise<LmrCredentials> {
  return (await readJson(lmrCredentialsPath(env), lmrCredentialsSchema)) ?? { auths: {} };
}

async function writeLmrCredentials(file: LmrCredentials, env: NodeJS.ProcessEnv): Promise<void> {
  const path = lmrCredentialsPath(env);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // Passwords: readable by the owner only, and never a half-written file.
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

async function readJson<T>(path: string, schema: z.ZodType<T>): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const invalid = (reason: string) =>
    new UserError(`${path} is not a valid credentials file: ${reason}`, {
      fix: `Fix or delete ${path}, then log in again.`,
    });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid((error as Error).message);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw invalid(z.prettifyError(parsed.error));
  return parsed.data;
}

/** Docker keys `auths` by URL (`https://index.docker.io/v1/` for Docker Hub); references use the bare host. */
function normalizeRegistry(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "");
  return host === "index.docker.io" || host === "registry-1.docker.io" ? DOCKER_HUB : host;
}
