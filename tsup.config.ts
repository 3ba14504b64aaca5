import {defineConfig} from 'tsup';

// The library as ES module (with the CLI, sharing one copy of the library code through split
// chunks) and as CommonJS, with .d.ts / .d.cts. Node built-ins are reached only through
// src/util/env.ts (hidden from bundlers); `node:` prefixes are kept.
const common = {
  target: 'es2022',
  sourcemap: false,
  removeNodeProtocol: false,
  // Peers, optional peers and dependencies stay imports; nothing of theirs is bundled.
  external: [/^@tensorflow\//, 'webgpu', '@resvg/resvg-js', 'pngjs', 'jpeg-js'],
} as const;

export default defineConfig([
  {
    ...common,
    entry: {index: 'src/index.ts', cli: 'src/cli/bin.ts'},
    format: ['esm'],
    splitting: true,
    clean: true,
    dts: {entry: {index: 'src/index.ts'}},
    platform: 'node',
    define: {__TFP_CJS__: 'false'},
    // Drops the CommonJS-only branch of util/env.ts (and esbuild's require shim with it), so that
    // no bundler of the ES module build meets a `require`.
    minifySyntax: true,
  },
  {
    ...common,
    entry: {index: 'src/index.ts'},
    format: ['cjs'],
    splitting: false,
    clean: false,
    dts: {entry: {index: 'src/index.ts'}},
    platform: 'node',
    define: {__TFP_CJS__: 'true'},
  },
]);
