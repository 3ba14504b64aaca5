// tfp.layers.functional: build a Bayesian layer and apply it in one call, the shape of the old
// tf.contrib.bayesflow functional API (`conv1d_reparameterization(inputs, …)`, LAYERS.md §10).
//
// Porting note: TFP removed the functional API in 2018 and it returned only the output tensor. Here
// each function returns `{output, layer}`: the layer is needed for its losses (`layer.kl()`), its
// posterior and, in eager code, to call it again with the same weights.
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import {Conv1DFlipout, Conv1DReparameterization, Conv2DFlipout, Conv2DReparameterization,
  Conv3DFlipout, Conv3DReparameterization} from './conv_variational.js';
import type {ConvVariationalArgs} from './conv_variational.js';
import {DenseFlipout, DenseLocalReparameterization, DenseReparameterization} from './dense_variational.js';
import type {DenseVariationalArgs} from './dense_variational.js';
import {DenseVariational} from './dense_variational_v2.js';
import type {DenseVariationalV2Args} from './dense_variational_v2.js';

/** A concrete tensor or a symbolic one (functional-model construction). */
export type LayerInput = tf.Tensor | tfl.SymbolicTensor;

/** The output has the kind of the input: a Tensor for a Tensor, a SymbolicTensor for a SymbolicTensor. */
export type LayerOutput<I extends LayerInput> = I extends tf.Tensor ? tf.Tensor : tfl.SymbolicTensor;

/** What every functional builder returns: the applied output and the layer that made it. */
export interface FunctionalResult<I extends LayerInput, L extends tfl.layers.Layer> {
  output: LayerOutput<I>;
  layer: L;
}

function applied<I extends LayerInput, L extends tfl.layers.Layer>(layer: L, inputs: I): FunctionalResult<I, L> {
  // A cast forced by tfjs's `apply` signature: one input gives one output of the same kind.
  return {output: layer.apply(inputs) as unknown as LayerOutput<I>, layer};
}

/**
 * Builds a `DenseReparameterization` and applies it to `inputs`.
 * @example
 * const {output, layer} = tfp.layers.functional.denseReparameterization(x, {units: 10});
 */
export function denseReparameterization<I extends LayerInput>(inputs: I, args: DenseVariationalArgs):
    FunctionalResult<I, DenseReparameterization> {
  return applied(new DenseReparameterization(args), inputs);
}

/**
 * Builds a `DenseFlipout` and applies it to `inputs`.
 * @example
 * const {output} = tfp.layers.functional.denseFlipout(tf.input({shape: [4]}), {units: 2, seed: 1});
 */
export function denseFlipout<I extends LayerInput>(inputs: I, args: DenseVariationalArgs):
    FunctionalResult<I, DenseFlipout> {
  return applied(new DenseFlipout(args), inputs);
}

/**
 * Builds a `DenseLocalReparameterization` and applies it to `inputs`.
 * @example
 * const {output} = tfp.layers.functional.denseLocalReparameterization(x, {units: 3});
 */
export function denseLocalReparameterization<I extends LayerInput>(inputs: I, args: DenseVariationalArgs):
    FunctionalResult<I, DenseLocalReparameterization> {
  return applied(new DenseLocalReparameterization(args), inputs);
}

/**
 * Builds a `Conv1DReparameterization` and applies it to `inputs`.
 * @example
 * const {output} = tfp.layers.functional.conv1dReparameterization(x, {filters: 4, kernelSize: 3});
 */
export function conv1dReparameterization<I extends LayerInput>(inputs: I, args: ConvVariationalArgs):
    FunctionalResult<I, Conv1DReparameterization> {
  return applied(new Conv1DReparameterization(args), inputs);
}

/**
 * Builds a `Conv2DReparameterization` and applies it to `inputs`.
 * @example
 * const {output} = tfp.layers.functional.conv2dReparameterization(x, {filters: 6, kernelSize: 5});
 */
export function conv2dReparameterization<I extends LayerInput>(inputs: I, args: ConvVariationalArgs):
    FunctionalResult<I, Conv2DReparameterization> {
  return applied(new Conv2DReparameterization(args), inputs);
}

/**
 * Builds a `Conv3DReparameterization` and applies it to `inputs`.
 * @example
 * const {output} = tfp.layers.functional.conv3dReparameterization(x, {filters: 2, kernelSize: 3});
 */
export function conv3dReparameterization<I extends LayerInput>(inputs: I, args: ConvVariationalArgs):
    FunctionalResult<I, Conv3DReparameterization> {
  return applied(new Conv3DReparameterization(args), inputs);
}

/**
 * Builds a `Conv1DFlipout` and applies it to `inputs`.
 * @example
 * const {output} = tfp.layers.functional.conv1dFlipout(x, {filters: 4, kernelSize: 3, seed: 7});
 */
export function conv1dFlipout<I extends LayerInput>(inputs: I, args: ConvVariationalArgs):
    FunctionalResult<I, Conv1DFlipout> {
  return applied(new Conv1DFlipout(args), inputs);
}

/**
 * Builds a `Conv2DFlipout` and applies it to `inputs`.
 * @example
 * const {output} = tfp.layers.functional.conv2dFlipout(x, {filters: 6, kernelSize: 5, padding: 'same'});
 */
export function conv2dFlipout<I extends LayerInput>(inputs: I, args: ConvVariationalArgs):
    FunctionalResult<I, Conv2DFlipout> {
  return applied(new Conv2DFlipout(args), inputs);
}

/**
 * Builds a `Conv3DFlipout` and applies it to `inputs`.
 * @example
 * const {output} = tfp.layers.functional.conv3dFlipout(x, {filters: 2, kernelSize: 3});
 */
export function conv3dFlipout<I extends LayerInput>(inputs: I, args: ConvVariationalArgs):
    FunctionalResult<I, Conv3DFlipout> {
  return applied(new Conv3DFlipout(args), inputs);
}

/**
 * Builds a `DenseVariational` and applies it to `inputs`.
 * @example
 * const {output, layer} = tfp.layers.functional.denseVariational(x, {units: 1,
 *   makePosteriorFn: tfp.layers.posteriorMeanField, makePriorFn: tfp.layers.priorTrainable});
 */
export function denseVariational<I extends LayerInput>(inputs: I, args: DenseVariationalV2Args):
    FunctionalResult<I, DenseVariational> {
  return applied(new DenseVariational(args), inputs);
}
