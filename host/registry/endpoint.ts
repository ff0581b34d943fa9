import { DOCKER_HUB } from "../store/reference";

/** Where Docker Hub answers the registry API: references say `docker.io`, the API lives elsewhere. */
const dockerHubApi = "registry-1.docker.io";

/**
 * The base URL of a registry's v2 API. HTTPS everywhere, except loopback registries and those the user names in
 * `LMR_INSECURE_REGISTRIES` (comma-separated `host[:port]`), which speak plain HTTP as `docker` allows for them.
 */
export function registryBaseUrl(registry: string, env: NodeJS.ProcessEnv = process.env): URL {
  const host = registry === DOCKER_HUB ? dockerHubApi : registry;
  const scheme = isLoopback(host) || insecureRegistries(env).includes(host) ? "http" : "https";
  return new URL(`${scheme}://${host}/`);
}

export function insecureRegistries(env: NodeJS.ProcessEnv): string[] {
  return (env.LMR_INSECURE_REGISTRIES ?? "").split(",").map((entry) => entry.trim()).filter(Boolean);
}

function isLoopback(host: string): boolean {
  const name = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.replace(/:\d+$/, "");
  return name === "localhost" || name === "::1" || /^127(\.\d{1,3}){3}$/.test(name);
}
