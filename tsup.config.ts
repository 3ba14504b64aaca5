import {defineConfig} from 'tsup';

// The library: ESM + CJS + .d.ts. The CLI (src/cli) is Node-only and is run from source with tsx.
export default defineConfig({
  entry: {index: 'src/index.ts'},
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: [/^@tensorflow\//],
});
