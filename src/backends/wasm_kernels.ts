// Registration of the training kernels for tfjs's 'wasm' backend (wasm_conv.ts, wasm_matmul_pool.ts).
// Porting note: TFP has no counterpart. tfjs-backend-wasm 4.22 cannot train a convolution (no
// Conv2DBackpropFilter), computes some gradients wrongly, and runs others in scalar loops; see the
// two kernel files for what each replacement fixes.
import {getKernel, registerKernel, unregisterKernel} from '@tensorflow/tfjs-core';
import type {KernelConfig, KernelFunc} from '@tensorflow/tfjs-core';

import {BackendUnavailableError} from '../util/errors.js';
import {KL_STANDARD_NORMAL, KL_STANDARD_NORMAL_GRAD, RADEMACHER, RANDOM_NORMAL, RANDOM_UNIFORM} from '../util/fused_kernels.js';

import {BACKEND, originals} from './wasm_compose.js';
import {conv2DBackpropFilter, conv2DBackpropInput, conv3D, conv3DBackpropFilterV2, conv3DBackpropInputV2} from './wasm_conv.js';
import {
  klStandardNormal, klStandardNormalGrad, log1p, rademacherKernel, randomNormalKernel, randomUniformKernel, softplus,
} from './wasm_fused.js';
import {cast, identity} from './wasm_identity.js';
import {maxPool3DGrad, maxPoolGrad, sum, untransposedMatMul} from './wasm_matmul_pool.js';

const REPLACEMENTS: Readonly<Record<string, KernelFunc>> = {
  Conv2DBackpropFilter: conv2DBackpropFilter,
  Conv2DBackpropInput: conv2DBackpropInput,
  Conv3D: conv3D,
  Conv3DBackpropFilterV2: conv3DBackpropFilterV2,
  Conv3DBackpropInputV2: conv3DBackpropInputV2,
  BatchMatMul: untransposedMatMul('BatchMatMul'),
  _FusedMatMul: untransposedMatMul('_FusedMatMul'),
  MaxPoolGrad: maxPoolGrad,
  MaxPool3DGrad: maxPool3DGrad,
  Sum: sum,
  Identity: identity,
  Cast: cast,
  Softplus: softplus,
  Log1p: log1p,
  [KL_STANDARD_NORMAL]: klStandardNormal,
  [KL_STANDARD_NORMAL_GRAD]: klStandardNormalGrad,
  [RANDOM_NORMAL]: randomNormalKernel,
  [RANDOM_UNIFORM]: randomUniformKernel,
  [RADEMACHER]: rademacherKernel,
};

/** The kernels {@link registerWasmTrainingKernels} adds to or replaces on the 'wasm' backend. */
export const WASM_TRAINING_KERNELS: readonly string[] = Object.keys(REPLACEMENTS);

let registered = false;

/**
 * Makes tfjs's 'wasm' backend (tfjs-backend-wasm 4.22) able to train conv nets, correctly and on
 * XNNPACK. Idempotent; call it after `import '@tensorflow/tfjs-backend-wasm'` (whose own
 * registrations would otherwise overwrite these), before or after `tf.setBackend('wasm')`.
 * {@link setWasmBackend} does all of this.
 *
 * - Adds `Conv2DBackpropFilter` (absent; the gradient of every conv1d/conv2d kernel).
 * - Fixes `Conv3DBackpropInputV2` (wrong for every input), `Conv3DBackpropFilterV2` (wrong for
 *   strides > 1), `MaxPoolGrad` and `MaxPool3DGrad` (wrong wherever a window is all negative), and
 *   batched `_FusedMatMul` with a bias (bias added to the first batch only).
 * - Moves `Conv2DBackpropInput`, `Conv3D` and transposed `BatchMatMul`/`_FusedMatMul` from scalar
 *   loops onto XNNPACK's Conv2D and matmul (5–10× faster on LeNet-5's gradients), and moves `Sum`
 *   over the leading axes of a rank > 2 tensor (every conv bias gradient) off a slow transpose.
 * - Makes `Identity` and same-dtype `Cast` share the buffer (as tfjs-cpu does) instead of copying it:
 *   tfjs clones every tensor an op saves for its gradient.
 * - Runs `Softplus` and `Log1p` (scalar libm loops; Log1p was log(1 + x), wrong for small x) and the
 *   KL against N(0, 1) with its gradient (`TfpKLStandardNormal`, `TfpKLStandardNormalGrad`) as
 *   SIMD kernels on tfjs's heap (src/backends/wasm_fused.ts), and draws the library's random
 *   numbers (Philox4x32-10, `TfpRandomNormal`, `TfpRandomUniform`, `TfpRademacher`) there too.
 *
 * Each is checked against tfjs's 'cpu' backend in test/backends/wasm.test.ts.
 * @throws BackendUnavailableError when tfjs-backend-wasm has not registered its kernels yet.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * import {backends} from 'tfjs-probability';
 * backends.registerWasmTrainingKernels();
 * await tf.setBackend('wasm');
 * ```
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  if (getKernel('Conv2D', BACKEND) === undefined) {
    throw new BackendUnavailableError(
        `registerWasmTrainingKernels: @tensorflow/tfjs-backend-wasm must be imported first; got no 'wasm' kernels.`);
  }
  for (const [name, kernelFunc] of Object.entries(REPLACEMENTS)) {
    const existing = getKernel(name, BACKEND);
    if (existing !== undefined) {
      originals.set(name, existing);
      unregisterKernel(name, BACKEND);
    }
    const config: KernelConfig = {kernelName: name, backendName: BACKEND, kernelFunc};
    // The original's setup (cwrap of its C entry point) must still run when the backend starts.
    if (existing?.setupFunc !== undefined) config.setupFunc = existing.setupFunc;
    if (existing?.disposeFunc !== undefined) config.disposeFunc = existing.disposeFunc;
    registerKernel(config);
  }
  registered = true;
}

/** Whether {@link registerWasmTrainingKernels} has run in this process. */
export function wasmTrainingKernelsRegistered(): boolean {
  return registered;
}
