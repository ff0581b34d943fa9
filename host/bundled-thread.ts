/**
 * Where a worker thread's bundle is: next to the host's own in dist/. Code run from source (the tests) starts
 * the built ones too, since tsx does not reach into worker threads and a thread cannot start from TypeScript.
 */
export function bundledThread(name: string): URL {
  return new URL(import.meta.url.endsWith(".ts") ? `../dist/${name}.mjs` : `./${name}.mjs`, import.meta.url);
}
