// tfp.layers: Keras-style Bayesian layers for tfjs-layers, with tfjs-style lowercase factories.
import {Conv1DFlipout, Conv1DLocalReparameterization, Conv1DReparameterization, Conv2DFlipout,
  Conv2DLocalReparameterization, Conv2DReparameterization, Conv3DFlipout, Conv3DLocalReparameterization,
  Conv3DReparameterization} from './conv_variational.js';
import type {ConvVariationalArgs} from './conv_variational.js';
import {DenseFlipout, DenseLocalReparameterization, DenseReparameterization} from './dense_variational.js';
import type {DenseVariationalArgs} from './dense_variational.js';
import * as transposed from './conv_transpose_variational.js';
import * as recurrent from './recurrent_variational.js';

export * as util from './util.js';
export {VariationalLayer} from './variational_layer.js';
export type {ActivationArg, Estimator, LayerArgs, VariationalLayerArgs} from './variational_layer.js';
export {DenseFlipout, DenseLocalReparameterization, DenseReparameterization, VariationalDense} from './dense_variational.js';
export type {DenseVariationalArgs} from './dense_variational.js';
export {Conv1DFlipout, Conv1DLocalReparameterization, Conv1DReparameterization, Conv2DFlipout,
  Conv2DLocalReparameterization, Conv2DReparameterization, Conv3DFlipout, Conv3DLocalReparameterization,
  Conv3DReparameterization, Convolution1DFlipout, Convolution1DLocalReparameterization,
  Convolution1DReparameterization, Convolution2DFlipout, Convolution2DLocalReparameterization,
  Convolution2DReparameterization, Convolution3DFlipout, Convolution3DLocalReparameterization,
  Convolution3DReparameterization, VariationalConv} from './conv_variational.js';
export type {ConvVariationalArgs} from './conv_variational.js';
export {bayesianLayers, scaleKLByExamples, setKLBeta, totalDivergence, variationalLayers, withPosteriorMean,
  withPosteriorSample} from './model_utils.js';
export type {BayesianLayer} from './model_utils.js';

/**
 * Dense layer, reparameterization estimator.
 * @example
 * const layer = tfp.layers.denseReparameterization({units: 10, activation: 'relu'});
 */
export function denseReparameterization(args: DenseVariationalArgs): DenseReparameterization {
  return new DenseReparameterization(args);
}
/**
 * Dense layer, Flipout estimator.
 * @example
 * const layer = tfp.layers.denseFlipout({units: 10, seed: 42});
 */
export function denseFlipout(args: DenseVariationalArgs): DenseFlipout {
  return new DenseFlipout(args);
}
/**
 * Dense layer, local reparameterization estimator.
 * @example
 * const layer = tfp.layers.denseLocalReparameterization({units: 10});
 */
export function denseLocalReparameterization(args: DenseVariationalArgs): DenseLocalReparameterization {
  return new DenseLocalReparameterization(args);
}
/**
 * 1-D convolution, reparameterization estimator.
 * @example
 * const layer = tfp.layers.conv1dReparameterization({filters: 64, kernelSize: 5, padding: 'same'});
 */
export function conv1dReparameterization(args: ConvVariationalArgs): Conv1DReparameterization {
  return new Conv1DReparameterization(args);
}
/**
 * 2-D convolution, reparameterization estimator.
 * @example
 * const layer = tfp.layers.conv2dReparameterization({filters: 6, kernelSize: 5, padding: 'same'});
 */
export function conv2dReparameterization(args: ConvVariationalArgs): Conv2DReparameterization {
  return new Conv2DReparameterization(args);
}
/**
 * 3-D convolution, reparameterization estimator.
 * @example
 * const layer = tfp.layers.conv3dReparameterization({filters: 8, kernelSize: 3});
 */
export function conv3dReparameterization(args: ConvVariationalArgs): Conv3DReparameterization {
  return new Conv3DReparameterization(args);
}
/**
 * 1-D convolution, local reparameterization (pre-activation sampling per output position).
 * @example
 * const layer = tfp.layers.conv1dLocalReparameterization({filters: 8, kernelSize: 3});
 */
export function conv1dLocalReparameterization(args: ConvVariationalArgs): Conv1DLocalReparameterization {
  return new Conv1DLocalReparameterization(args);
}
/**
 * 2-D convolution, local reparameterization (pre-activation sampling per output position).
 * @example
 * const layer = tfp.layers.conv2dLocalReparameterization({filters: 6, kernelSize: 5, padding: 'same'});
 */
export function conv2dLocalReparameterization(args: ConvVariationalArgs): Conv2DLocalReparameterization {
  return new Conv2DLocalReparameterization(args);
}
/**
 * 3-D convolution, local reparameterization (pre-activation sampling per output position).
 * @example
 * const layer = tfp.layers.conv3dLocalReparameterization({filters: 4, kernelSize: 3});
 */
export function conv3dLocalReparameterization(args: ConvVariationalArgs): Conv3DLocalReparameterization {
  return new Conv3DLocalReparameterization(args);
}
/**
 * 1-D convolution, Flipout estimator.
 * @example
 * const layer = tfp.layers.conv1dFlipout({filters: 16, kernelSize: 3, seed: 1});
 */
export function conv1dFlipout(args: ConvVariationalArgs): Conv1DFlipout {
  return new Conv1DFlipout(args);
}
/**
 * 2-D convolution, Flipout estimator.
 * @example
 * const layer = tfp.layers.conv2dFlipout({filters: 6, kernelSize: 5, padding: 'same', activation: 'relu'});
 */
export function conv2dFlipout(args: ConvVariationalArgs): Conv2DFlipout {
  return new Conv2DFlipout(args);
}
/**
 * 3-D convolution, Flipout estimator.
 * @example
 * const layer = tfp.layers.conv3dFlipout({filters: 8, kernelSize: 3, padding: 'same'});
 */
export function conv3dFlipout(args: ConvVariationalArgs): Conv3DFlipout {
  return new Conv3DFlipout(args);
}

// Issue 3: DenseVariational, VariableLayer, AutoregressiveNetwork, distribution layers, functional API.
export {BlockwiseInitializer, VariableLayer, variableLayer} from './variable_layer.js';
export type {BlockwiseInitializerArgs, VariableLayerArgs} from './variable_layer.js';
export {DenseVariational, denseVariational, makePosteriorMeanField, makePriorNormal, posteriorMeanField,
  priorStandardNormal, priorTrainable, SOFTPLUS_INVERSE_ONE, VariableDistribution} from './dense_variational_v2.js';
export type {DenseVariationalV2Args, DistributionCallable, LayerLikeCallable, MakeDistributionFn,
  PosteriorMeanFieldArgs, PriorNormalArgs} from './dense_variational_v2.js';
export {AutoregressiveNetwork, autoregressiveNetwork, madeDegrees, madeMasks} from './autoregressive.js';
export type {AutoregressiveNetworkArgs, HiddenDegrees, InputOrder} from './autoregressive.js';
export {DistributionLambda, distributionLambda, DistributionLayer, distributionOf, IndependentBernoulli,
  independentBernoulli, IndependentNormal, independentNormal, negLogLik, OneHotCategorical,
  oneHotCategorical} from './distribution_layer.js';
export type {ConvertToTensor, DistributionLambdaArgs, DistributionLayerArgs, IndependentNormalArgs,
  IndependentDistributionLayerArgs, MakeDistributionFromTensor, OneHotCategoricalLayerArgs} from './distribution_layer.js';
export {CategoricalMixtureOfOneHotCategorical, categoricalMixtureOfOneHotCategorical, IndependentLogistic,
  independentLogistic, IndependentPoisson, independentPoisson, MixtureLogistic, mixtureLogistic, MixtureNormal,
  mixtureNormal, MixtureSameFamily, mixtureSameFamily, MultivariateNormalTriL, multivariateNormalTriL,
} from './distribution_layers_extra.js';
export type {CategoricalMixtureOfOneHotCategoricalArgs, IndependentExtraArgs, MixtureLayerArgs,
  MixtureSameFamilyLayerArgs, MultivariateNormalTriLLayerArgs, SerializedComponentLayer,
} from './distribution_layers_extra.js';
export {VariationalGaussianProcess, variationalGaussianProcess, vgpExpectedNegLogLik} from './variational_gp.js';
export type {SvgpParts, VariationalGaussianProcessArgs, VgpKernelName} from './variational_gp.js';
export {KLDivergenceAddLoss, klDivergenceAddLoss, KLDivergenceRegularizer} from './kl_divergence_layers.js';
export type {DistributionB, IndependentStandardNormalArgs, KLDivergenceAddLossArgs, KLDivergenceRegularizerArgs,
} from './kl_divergence_layers.js';
export * as functional from './functional.js';
export {AutoregressiveTransform, autoregressiveTransform, AutoregressiveTransformed} from './autoregressive_transform.js';
export type {AutoregressiveTransformArgs} from './autoregressive_transform.js';
export {elboLogger, klAnnealing, klAnnealingSchedule} from './callbacks.js';
export type {Callback, KLAnnealingArgs, KLSchedule} from './callbacks.js';
export {Conv1DTransposeFlipout, Conv1DTransposeReparameterization, Conv2DTransposeFlipout,
  Conv2DTransposeReparameterization, Conv3DTransposeFlipout, Conv3DTransposeReparameterization,
  Convolution1DTransposeFlipout, Convolution1DTransposeReparameterization, Convolution2DTransposeFlipout,
  Convolution2DTransposeReparameterization, Convolution3DTransposeFlipout, Convolution3DTransposeReparameterization,
  VariationalConvTranspose} from './conv_transpose_variational.js';
export type {ConvTransposeVariationalArgs} from './conv_transpose_variational.js';
/**
 * 1-D transposed convolution (Keras Conv1DTranspose), one kernel draw per call.
 * @example
 * const layer = tfp.layers.conv1dTransposeReparameterization({filters: 4, kernelSize: 3, strides: 2, padding: 'same'});
 */
export function conv1dTransposeReparameterization(args: transposed.ConvTransposeVariationalArgs): transposed.Conv1DTransposeReparameterization {
  return new transposed.Conv1DTransposeReparameterization(args);
}
/**
 * 1-D transposed convolution (Keras Conv1DTranspose), Flipout estimator.
 * @example
 * const layer = tfp.layers.conv1dTransposeFlipout({filters: 4, kernelSize: 3, strides: 2, padding: 'same'});
 */
export function conv1dTransposeFlipout(args: transposed.ConvTransposeVariationalArgs): transposed.Conv1DTransposeFlipout {
  return new transposed.Conv1DTransposeFlipout(args);
}
/**
 * 2-D transposed convolution (Keras Conv2DTranspose), one kernel draw per call.
 * @example
 * const layer = tfp.layers.conv2dTransposeReparameterization({filters: 4, kernelSize: 3, strides: 2, padding: 'same'});
 */
export function conv2dTransposeReparameterization(args: transposed.ConvTransposeVariationalArgs): transposed.Conv2DTransposeReparameterization {
  return new transposed.Conv2DTransposeReparameterization(args);
}
/**
 * 2-D transposed convolution (Keras Conv2DTranspose), Flipout estimator.
 * @example
 * const layer = tfp.layers.conv2dTransposeFlipout({filters: 4, kernelSize: 3, strides: 2, padding: 'same'});
 */
export function conv2dTransposeFlipout(args: transposed.ConvTransposeVariationalArgs): transposed.Conv2DTransposeFlipout {
  return new transposed.Conv2DTransposeFlipout(args);
}
/**
 * 3-D transposed convolution (Keras Conv3DTranspose), one kernel draw per call.
 * @example
 * const layer = tfp.layers.conv3dTransposeReparameterization({filters: 4, kernelSize: 3, strides: 2, padding: 'same'});
 */
export function conv3dTransposeReparameterization(args: transposed.ConvTransposeVariationalArgs): transposed.Conv3DTransposeReparameterization {
  return new transposed.Conv3DTransposeReparameterization(args);
}
/**
 * 3-D transposed convolution (Keras Conv3DTranspose), Flipout estimator.
 * @example
 * const layer = tfp.layers.conv3dTransposeFlipout({filters: 4, kernelSize: 3, strides: 2, padding: 'same'});
 */
export function conv3dTransposeFlipout(args: transposed.ConvTransposeVariationalArgs): transposed.Conv3DTransposeFlipout {
  return new transposed.Conv3DTransposeFlipout(args);
}
export {GRUFlipout, GRUReparameterization, LSTMFlipout, LSTMReparameterization, SimpleRNNFlipout,
  SimpleRNNReparameterization, VariationalRNN} from './recurrent_variational.js';
export type {RecurrentVariationalArgs} from './recurrent_variational.js';
/**
 * LSTM (drop-in for `tf.layers.lstm`), kernels drawn once per sequence.
 * @example
 * const layer = tfp.layers.lstmReparameterization({units: 32, returnSequences: true, seed: 1});
 */
export function lstmReparameterization(args: recurrent.RecurrentVariationalArgs): recurrent.LSTMReparameterization {
  return new recurrent.LSTMReparameterization(args);
}
/**
 * LSTM (drop-in for `tf.layers.lstm`), Flipout: one perturbation and per-example signs per sequence.
 * @example
 * const layer = tfp.layers.lstmFlipout({units: 32, returnSequences: true, seed: 1});
 */
export function lstmFlipout(args: recurrent.RecurrentVariationalArgs): recurrent.LSTMFlipout {
  return new recurrent.LSTMFlipout(args);
}
/**
 * GRU (drop-in for `tf.layers.gru`), kernels drawn once per sequence.
 * @example
 * const layer = tfp.layers.gruReparameterization({units: 32, returnSequences: true, seed: 1});
 */
export function gruReparameterization(args: recurrent.RecurrentVariationalArgs): recurrent.GRUReparameterization {
  return new recurrent.GRUReparameterization(args);
}
/**
 * GRU (drop-in for `tf.layers.gru`), Flipout: one perturbation and per-example signs per sequence.
 * @example
 * const layer = tfp.layers.gruFlipout({units: 32, returnSequences: true, seed: 1});
 */
export function gruFlipout(args: recurrent.RecurrentVariationalArgs): recurrent.GRUFlipout {
  return new recurrent.GRUFlipout(args);
}
/**
 * SimpleRNN (drop-in for `tf.layers.simpleRNN`), kernels drawn once per sequence.
 * @example
 * const layer = tfp.layers.simpleRNNReparameterization({units: 32, returnSequences: true, seed: 1});
 */
export function simpleRNNReparameterization(args: recurrent.RecurrentVariationalArgs): recurrent.SimpleRNNReparameterization {
  return new recurrent.SimpleRNNReparameterization(args);
}
/**
 * SimpleRNN (drop-in for `tf.layers.simpleRNN`), Flipout: one perturbation and per-example signs per sequence.
 * @example
 * const layer = tfp.layers.simpleRNNFlipout({units: 32, returnSequences: true, seed: 1});
 */
export function simpleRNNFlipout(args: recurrent.RecurrentVariationalArgs): recurrent.SimpleRNNFlipout {
  return new recurrent.SimpleRNNFlipout(args);
}
