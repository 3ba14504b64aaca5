// tfp.layers.util: the default posterior/prior/divergence/tensor fns and the fn registry.
export {defaultMeanFieldNormalFn, defaultMultivariateNormalFn, EPS_FLOAT32, klDivergenceFn,
  meanTensorFn, monteCarloDivergenceFn, sampleTensorFn, trainableNormalPriorFn} from './default_fns.js';
export type {AddVariableFn, Constraint, DistributionFn, DivergenceFn, DivergenceFnArgs, Initializer,
  MeanFieldNormalArgs, Regularizer, TrainableNormalPriorArgs} from './default_fns.js';
export {describeFn, registerFn, resolveFn, serializedFormOf} from './fn_registry.js';
export type {SerializedFn} from './fn_registry.js';
export {makePosteriorMeanField, makePriorNormal, posteriorMeanField, priorStandardNormal, priorTrainable} from './dense_variational_v2.js';
export type {PosteriorMeanFieldArgs, PriorNormalArgs} from './dense_variational_v2.js';
export type {MakeDistributionFn} from './dense_variational_v2.js';
export {independentStandardNormal} from './kl_divergence_layers.js';
