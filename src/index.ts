// tfjs-probability: TensorFlow Probability's Bayesian variational layers for TensorFlow.js.
// Namespaces only; the CLI (src/cli) is Node-only and never imported from here.
import {checkOneTfjsCore} from './util/tfjs_instances.js';

export * as distributions from './distributions/index.js';
export * as predictive from './predictive/index.js';
export * as layers from './layers/index.js';
export * as nn from './nn/index.js';
export * as io from './io/index.js';
export * as backends from './backends/index.js';
export * as util from './util/index.js';
export * as convert from './convert/index.js';
export * as laplace from './laplace/index.js';
export * as psdKernels from './psd_kernels/index.js';

// Refuse to run on top of a second copy of tfjs-core (see util/tfjs_instances.ts).
checkOneTfjsCore();
