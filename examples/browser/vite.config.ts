// Vite config of the browser demo: `npm run demo:web` serves it; `vite build examples/browser` builds
// both pages. The library is imported by name and resolved to its TypeScript source.
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {defineConfig} from 'vite';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
// A model saved by the CLI (`tfp train --out examples/browser/public/model`) is used by page 2 when
// present; checked here so the page never probes for it (a 404 would be a console error).
const cliModel = existsSync(here('public/model/model.json')) ? 'model/model.json' : '';

export default defineConfig({
  root: here('.'),
  base: './',
  define: {__CLI_MODEL__: JSON.stringify(cliModel)},
  resolve: {alias: {'tfjs-probability': here('../../src/index.ts')}},
  server: {fs: {allow: [here('../..')]}},
  optimizeDeps: {
    // Listed up front so that the dev server never re-optimises (and reloads) on first use.
    include: [
      '@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-cpu',
      '@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu',
    ],
  },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    rollupOptions: {input: {regression: here('index.html'), digits: here('digits.html')}},
  },
});
