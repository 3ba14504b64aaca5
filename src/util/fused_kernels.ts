// Names of the fused kernels that backends may register (src/backends/wasm_fused.ts does for
// 'wasm'), and the test callers use to pick them over a composition of tfjs ops.
import {getBackend, getKernel} from '@tensorflow/tfjs-core';

/** Elementwise KL(N(loc, scale) ‖ N(0, 1)); inputs `loc`, `scale` of one shape (float32). */
export const KL_STANDARD_NORMAL = 'TfpKLStandardNormal';
/** Its gradient: inputs `loc`, `scale`, `dy` of one shape; outputs `[dLoc, dScale]`. */
export const KL_STANDARD_NORMAL_GRAD = 'TfpKLStandardNormalGrad';

/** Standard normals of a seed's Philox stream; no inputs, attributes `shape` and `seed`. */
export const RANDOM_NORMAL = 'TfpRandomNormal';
/** Uniforms on (0, 1) of a seed's Philox stream; as {@link RANDOM_NORMAL}. */
export const RANDOM_UNIFORM = 'TfpRandomUniform';
/** ±1 of a seed's Philox stream; as {@link RANDOM_NORMAL}. */
export const RADEMACHER = 'TfpRademacher';

/** Whether the active backend registered kernel `name`. */
export function hasKernel(name: string): boolean {
  return getKernel(name, getBackend()) !== undefined;
}
