// Identity and same-dtype Cast for tfjs's 'wasm' backend as shared buffers, as tfjs-cpu does.
// Porting note: tfjs-backend-wasm 4.22 copies the whole buffer for both. tfjs's engine clones every
// tensor an op saves for its gradient (saveTensorsForBackwardMode), so a W2 Flipout step made 163
// copies, 72 of them kernel-sized; tensors are immutable in tfjs, so a counted reference is enough.
import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {asWasmBackend, attrsAs, wasmKernel} from './wasm_compose.js';

/** Identity: the input's buffer with one more reference. */
export const identity: KernelFunc = ({inputs, backend}) => {
  const {x} = inputs as {x: TensorInfo};
  asWasmBackend(backend).incRef(x.dataId);
  return {dataId: x.dataId, shape: x.shape, dtype: x.dtype};
};

/** Cast: shared like Identity when the dtype does not change; tfjs's own kernel otherwise. */
export const cast: KernelFunc = (args) => {
  const {x} = args.inputs as {x: TensorInfo};
  if (attrsAs<{dtype: string}>(args.attrs).dtype !== x.dtype) return wasmKernel('Cast').kernelFunc(args);
  return identity(args);
};
