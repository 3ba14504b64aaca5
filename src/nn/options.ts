// The option keys of each tfp.nn layer family: an unknown or misspelt key (`dilation`, `stride`,
// `kernel_initializer`) is a ValueError suggesting the closest valid one, as TFP raises on an
// unknown keyword argument, instead of silently meaning "the default".
import {checkArgsObject, checkKeys} from '../util/keys.js';

const LAYER = ['alsoTrack', 'validateArgs', 'name'];
const KERNEL_BIAS = ['kernelInitializer', 'biasInitializer', 'makeKernelBiasFn', 'dtype', 'activationFn'];
const VARIATIONAL = ['activationFn', 'posteriorValueFn', 'seed', 'dtype', 'penaltyWeight', 'posteriorPenaltyFn',
  'kernelInitializer', 'biasInitializer', 'makePosteriorFn', 'makePriorFn', 'unpackWeightsFn'];
const CONV = ['rank', 'strides', 'padding', 'dilations'];
const TRANSPOSE = [...CONV, 'outputPadding', 'method'];

/** The option keys of each constructor family. */
const KEYS = {
  affine: [...KERNEL_BIAS, 'batchShape', ...LAYER],
  affineVariational: [...VARIATIONAL, ...LAYER],
  convolution: [...CONV, ...KERNEL_BIAS, 'batchShape', ...LAYER],
  convolutionVariational: [...CONV, ...VARIATIONAL, ...LAYER],
  convolutionV2: [...CONV, ...KERNEL_BIAS, 'batchShape', 'indexDtype', ...LAYER],
  convolutionVariationalV2: [...CONV, ...VARIATIONAL, 'indexDtype', ...LAYER],
  convolutionTranspose: [...TRANSPOSE, ...KERNEL_BIAS, ...LAYER],
  convolutionTransposeVariational: [...TRANSPOSE, ...VARIATIONAL, ...LAYER],
} as const;

/** A tfp.nn constructor family, by its options interface. */
export type NnOptionsKind = keyof typeof KEYS;

/** Throws a `ValueError` unless `options` is an object whose keys are those of `kind`. */
export function checkNnOptions(owner: string, options: unknown, kind: NnOptionsKind): void {
  checkArgsObject(owner, options, 'options');
  checkKeys(owner, options, {own: KEYS[kind]});
}
