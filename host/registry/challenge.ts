/**
 * A `WWW-Authenticate` challenge from a registry's 401: `Basic realm="…"` or, Docker Hub's way,
 * `Bearer realm="https://auth…/token",service="registry.docker.io",scope="repository:ai/smollm2:pull"`.
 */
export type Challenge =
  | { scheme: "basic"; realm: string | undefined }
  | { scheme: "bearer"; realm: string; service: string | undefined; scopes: string[]; error: string | undefined };

export function parseChallenge(header: string | null): Challenge | undefined {
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header ?? "");
  if (!match?.[1]) return undefined;
  const params = new Map<string, string>();
  for (const param of (match[2] ?? "").matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params.set(param[1]!.toLowerCase(), param[2]?.replace(/\\(.)/g, "$1") ?? param[3] ?? "");
  }
  const scheme = match[1].toLowerCase();
  if (scheme === "basic") return { scheme, realm: params.get("realm") };
  const realm = params.get("realm");
  if (scheme !== "bearer" || !realm) return undefined;
  return {
    scheme,
    realm,
    service: params.get("service"),
    // One challenge may name several scopes separated by spaces; each becomes its own `scope=` when asked.
    scopes: (params.get("scope") ?? "").split(" ").filter(Boolean),
    error: params.get("error"),
  };
}
