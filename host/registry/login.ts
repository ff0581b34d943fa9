import { ModelReference } from "../store/reference";
import { RegistryClient } from "./client";
import { type Credentials, removeCredentials, saveCredentials } from "./credentials";

/**
 * `lmr login REGISTRY`: checks the credentials against the registry (its token server, for Bearer registries)
 * and saves them only when they work. `docker.io` and the other spellings of Docker Hub are one registry.
 */
export async function login(
  registry: string,
  username: string,
  password: string,
  options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {},
): Promise<void> {
  const host = registryHost(registry);
  const credentials: Credentials = { username, password };
  await RegistryClient.connect(host, { credentials, env: options.env, signal: options.signal });
  await saveCredentials(host, credentials, options.env);
}

/** `lmr logout REGISTRY`; says whether there was anything to forget. */
export async function logout(registry: string, options: { env?: NodeJS.ProcessEnv } = {}): Promise<boolean> {
  return removeCredentials(registryHost(registry), options.env);
}

/** The registry as model references name it, so `index.docker.io` and `docker.io` share one login. */
function registryHost(registry: string): string {
  return ModelReference.parse(`${registry.replace(/^[a-z]+:\/\//i, "").replace(/\/+$/, "")}/login/check`).registry;
}
