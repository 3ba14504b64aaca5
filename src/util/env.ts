// Where the library runs, and how it reaches Node's built-ins and optional packages without a
// bundler ever seeing them. Every import here has a specifier that is a function argument, not a
// literal: esbuild, Vite/Rollup and webpack leave such imports alone (no "could not resolve fs" in
// a browser build), and tsup keeps the `node:` prefix it would strip from a literal. In the
// CommonJS build esbuild turns them into `require(specifier)`, which Node resolves from this file.

/** Whether this is Node.js (or a runtime that reports itself as Node, e.g. Bun, Deno's node mode). */
export function isNode(): boolean {
  const p = (globalThis as {process?: {versions?: {node?: unknown}}}).process;
  return typeof p?.versions?.node === 'string';
}

/** `true` in the CommonJS build (tsup's `define`), `false` in the ES module build, absent in source. */
declare const __TFP_CJS__: boolean | undefined;

/**
 * Imports `specifier` at run time, hidden from bundlers. Use for Node built-ins and optional peer
 * packages only; the caller turns a failure into a typed error naming what to install. The
 * CommonJS build uses `require` (a dynamic `import()` there fails under Jest and other CommonJS
 * module runners without ESM support); the ES module build never mentions `require`.
 */
export async function importHidden<T>(specifier: string): Promise<T> {
  if (typeof __TFP_CJS__ !== 'undefined' && __TFP_CJS__) {
    return require(specifier) as T;
  }
  return await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as T;
}

/** Node's `fs/promises` and `path`, or null outside Node. */
export async function nodeFsPath(): Promise<{fs: typeof import('node:fs/promises'); path: typeof import('node:path')} | null> {
  if (!isNode()) return null;
  const [fs, path] = await Promise.all([
    importHidden<typeof import('node:fs/promises')>('node:fs/promises'),
    importHidden<typeof import('node:path')>('node:path'),
  ]);
  return {fs, path};
}

/**
 * The path of the library file running this code, for `createRequire`: `import.meta.url` in the ES
 * module build and in source, `__filename` in the CommonJS build (where esbuild empties
 * `import.meta`). Null when neither exists (a browser bundle).
 */
export function ownModuleUrl(): string | null {
  const url = (import.meta as {url?: string}).url;
  if (typeof url === 'string') return url;
  return typeof __filename === 'string' ? __filename : null;
}
