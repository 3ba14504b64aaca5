// Backend choice for the demo pages: `?backend=` (or the selector, which reloads with it) wins;
// otherwise WebGPU where the browser has an adapter, else WebGL (on a GPU), else wasm, else plain JS.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** Backends the selector offers. */
export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
/** One of {@link BACKENDS}. */
export type BackendName = (typeof BACKENDS)[number];

function isBackendName(s: string | null): s is BackendName {
  return s !== null && (BACKENDS as readonly string[]).includes(s);
}

async function hasWebGPUAdapter(): Promise<boolean> {
  const gpu = (navigator as {gpu?: {requestAdapter(): Promise<unknown>}}).gpu;
  if (gpu === undefined) return false;
  try {
    return (await gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

async function register(name: BackendName): Promise<void> {
  if (tf.findBackendFactory(name) !== null) return;
  if (name === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  if (name === 'webgl') await import('@tensorflow/tfjs-backend-webgl');
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmPlain,
      'tfjs-backend-wasm-simd.wasm': wasmSimd,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
    });
  }
}

async function tryBackend(name: BackendName): Promise<boolean> {
  try {
    await register(name);
    if (tf.findBackendFactory(name) === null) return false;
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/** True when WebGL is missing or rendered in software (SwiftShader, llvmpipe): wasm is then far faster. */
function softwareWebGL(): boolean {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (gl === null) return true;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(info === null ? '' : gl.getParameter(info.UNMASKED_RENDERER_WEBGL));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return /swiftshader|llvmpipe|software/i.test(renderer);
}

/** The order tried when nothing is requested (and after a requested backend fails). */
async function defaultOrder(): Promise<BackendName[]> {
  if (await hasWebGPUAdapter()) return ['webgpu', 'webgl', 'wasm', 'cpu'];
  return softwareWebGL() ? ['wasm', 'webgl', 'cpu'] : ['webgl', 'wasm', 'cpu'];
}

/** Starts the requested backend, falling back along the default order; resolves to the one in use. */
export async function startBackend(requested: string | null): Promise<BackendName> {
  const order = await defaultOrder();
  const tries = isBackendName(requested) ? [requested, ...order.filter((b) => b !== requested)] : order;
  for (const name of tries) {
    if (await tryBackend(name)) return name;
  }
  throw new Error(`no tfjs backend could start (tried ${tries.join(', ')})`);
}

/** Fills a `<select>` with the backends and reloads the page with `?backend=` on change. */
export function wireSelector(select: HTMLSelectElement, active: BackendName): void {
  select.replaceChildren(...BACKENDS.map((b) => new Option(b, b, b === active, b === active)));
  select.addEventListener('change', () => {
    const url = new URL(location.href);
    url.searchParams.set('backend', select.value);
    location.href = url.toString();
  });
}

/** The `?backend=` parameter, if any. */
export function requestedBackend(): string | null {
  return new URL(location.href).searchParams.get('backend');
}
