// Node-only loading of tfjs-backend-wasm: where its .wasm files are, and its multi-threaded SIMD
// build on worker_threads. Reached only through dynamic imports from wasm.ts, so browser bundles
// never see the Node built-ins.
// Porting note: tfjs 4.22 disables threads in Node (WASM_HAS_MULTITHREAD_SUPPORT is false there,
// tfjs issue #3830) although the Emscripten build supports worker_threads. Two things stand in the
// way, and this file works around both: (1) tfjs hands Emscripten the pthread worker script and
// the main script as Blob URLs, which Node's Worker cannot load, so they are written to a temp
// directory instead; (2) the C++ side caps the pool at num_cores = logical cores / 2 (it assumes
// hyper-threading), which is 1 on a 2-core machine whatever setThreadsCount asks, so the core count
// Emscripten reads (os.cpus().length) is doubled while the module starts.
import type {KernelBackend} from '@tensorflow/tfjs-core';

import {BackendUnavailableError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {importHidden, ownModuleUrl} from '../util/env.js';

/** The parts of `@tensorflow/tfjs-backend-wasm` used here. */
export interface WasmPackage {
  setWasmPaths(prefix: string, usePlatformFetch?: boolean): void;
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
  BackendWasm: new (module: unknown) => KernelBackend;
}

interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): unknown;
  PThread?: {terminateAllThreads?: () => void};
  tfjs?: Record<string, unknown>;
}
type Factory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

const PKG = '@tensorflow/tfjs-backend-wasm';

async function nodeRequire(): Promise<(id: string) => unknown> {
  const {createRequire} = await importHidden<typeof import('node:module')>('node:module');
  const path = await importHidden<typeof import('node:path')>('node:path');
  // Resolve from this file (the installed package), never from the working directory.
  const req = createRequire(ownModuleUrl() ?? path.join(process.cwd(), 'index.js'));
  return req as (id: string) => unknown;
}

/** The folder of tfjs-backend-wasm's package.json, resolved as Node would. */
export async function wasmPackageDir(): Promise<string> {
  const req = await nodeRequire();
  const path = await importHidden<typeof import('node:path')>('node:path');
  const resolve = (req as unknown as {resolve: (id: string) => string}).resolve;
  try {
    return path.dirname(resolve(`${PKG}/package.json`));
  } catch (e) {
    throw new BackendUnavailableError(
        `setWasmBackend: ${PKG} must be installed (npm install ${PKG}); got ${fmt(e instanceof Error ? e.message : e)}.`);
  }
}

/**
 * Starts the threaded SIMD module with `threads` XNNPACK threads, wrapped as a BackendWasm.
 * The workers are terminated when the backend is disposed (`tf.removeBackend('wasm')`).
 */
export async function createThreadedBackend(pkg: WasmPackage, threads: number): Promise<KernelBackend> {
  const [fs, osModule, path] = await Promise.all([
    importHidden<typeof import('node:fs')>('node:fs'),
    importHidden<typeof import('node:os') & {default: typeof import('node:os')}>('node:os'),
    importHidden<typeof import('node:path')>('node:path'),
  ]);
  // The namespace object is frozen; the CJS object behind it is what Emscripten's require('os') sees.
  const os = osModule.default;
  const req = await nodeRequire();
  const dir = await wasmPackageDir();
  const out = path.join(dir, 'wasm-out');
  const factoryModule = req(path.join(out, 'tfjs-backend-wasm-threaded-simd.js')) as Factory | {default: Factory};
  const factory: Factory = typeof factoryModule === 'function' ? factoryModule : factoryModule.default;
  const workerModule = req(path.join(out, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {wasmWorkerContents: string};
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfp-wasm-'));
  const workerPath = path.join(tmp, 'worker.js');
  const mainPath = path.join(tmp, 'main.js');
  // Same text tfjs puts in its Blobs; '\n' inside the template literal must stay escaped.
  fs.writeFileSync(workerPath, workerModule.wasmWorkerContents.replace(/\n/g, '\\n'));
  fs.writeFileSync(mainPath, `var WasmBackendModuleThreadedSimd = ${factory.toString()}`);
  const config = {
    locateFile: (file: string, prefix: string) => file.endsWith('.worker.js') ? workerPath :
        file.endsWith('.wasm') ? path.join(out, 'tfjs-backend-wasm-threaded-simd.wasm') : prefix + file,
    mainScriptUrlOrBlob: mainPath,
  };
  const realCpus = os.cpus;
  os.cpus = () => [...realCpus(), ...realCpus()];
  let module: EmscriptenModule;
  try {
    module = await factory(config);
  } finally {
    os.cpus = realCpus;
  }
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  pkg.setThreadsCount(threads);
  const backend = new pkg.BackendWasm(module);
  const dispose = backend.dispose.bind(backend);
  backend.dispose = () => {
    dispose();
    module.PThread?.terminateAllThreads?.();
    fs.rmSync(tmp, {recursive: true, force: true});
  };
  return backend;
}
