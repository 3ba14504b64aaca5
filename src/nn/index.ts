// tfp.nn: TFP's module-style API (`tfp.experimental.nn`) — plain layers with constructor-given
// sizes, user-written training loops, KL computed after the forward pass. See docs/NN.md.
export {Layer, makeVariable, sanitizeName, trackVariables, variableName} from './layer.js';
export type {CallOptions, LayerArgs, VariablesArtifacts} from './layer.js';
export {Sequential} from './sequential.js';
export type {Applicable, SequentialArgs, SequentialElement} from './sequential.js';
export {KernelBiasLayer} from './kernel_bias_layer.js';
export type {KernelBiasLayerArgs} from './kernel_bias_layer.js';
export {VariationalLayer, posteriorMean, samplePosterior} from './variational_base.js';
export type {ActivationFn, PosteriorValueFn, VariationalLayerArgs, VariationalOptions} from './variational_base.js';
export {KernelBiasVariationalLayer} from './variational_linear.js';
export type {Estimator, KernelBiasVariationalOptions, UnpackWeightsFn} from './variational_linear.js';
export {
  Affine, AffineVariationalFlipout, AffineVariationalReparameterization, AffineVariationalReparameterizationLocal,
} from './affine.js';
export type {AffineOptions, AffineVariationalOptions} from './affine.js';
export {Convolution, ConvolutionVariationalFlipout, ConvolutionVariationalReparameterization,
  ConvolutionVariationalReparameterizationLocal} from './convolution.js';
export type {ConvolutionOptions, ConvolutionVariationalOptions} from './convolution.js';
export type {ConvOptionsBase} from './conv_args.js';
export {ConvolutionV2, ConvolutionVariationalFlipoutV2, ConvolutionVariationalReparameterizationV2} from './convolution_v2.js';
export type {ConvolutionV2Options, ConvolutionVariationalV2Options} from './convolution_v2.js';
export {
  ConvolutionTranspose, ConvolutionTransposeVariationalFlipout, ConvolutionTransposeVariationalReparameterization,
} from './convolution_transpose.js';
export type {
  ConvolutionTransposeOptions, ConvolutionTransposeVariationalOptions, ConvTransposeOptionsBase, TransposeMethod,
} from './convolution_transpose.js';
export * as util from './util.js';
export * as initializers from './initializers.js';
export * as losses from './losses.js';
