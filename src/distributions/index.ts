// tfp.distributions: the distributions the layers need and a KL registry of analytic pairs.
export {Distribution, readParam, isTensor} from './distribution.js';
export type {DistributionArgs, ParamLike, TensorLike} from './distribution.js';
export {klDivergence, registerKL, lookupKL} from './kl.js';
export type {KLFn} from './kl.js';
export {Normal} from './normal.js';
export type {NormalArgs} from './normal.js';
