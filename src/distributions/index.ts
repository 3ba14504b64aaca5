// tfp.distributions: the distributions the layers need and a KL registry of analytic pairs.
export {Distribution, readParam, isTensor} from './distribution.js';
export type {DistributionArgs, ParamLike, TensorLike} from './distribution.js';
export {klDivergence, registerKL, lookupKL} from './kl.js';
export type {KLFn} from './kl.js';
export {Normal} from './normal.js';
export type {NormalArgs} from './normal.js';
export {Deterministic} from './deterministic.js';
export type {DeterministicArgs} from './deterministic.js';
export {Independent} from './independent.js';
export type {IndependentArgs} from './independent.js';
export {MultivariateNormalDiag} from './mvn_diag.js';
export type {MultivariateNormalDiagArgs} from './mvn_diag.js';
