// tfp.laplace: post-hoc Laplace approximations of trained models — the GGN / Fisher curvature
// (full, diagonal, Kronecker-factored), the marginal likelihood of the prior precision, and the
// probit / Monte Carlo predictive. Port of the last-layer parts of laplace-torch (Daxberger et al. 2021).
export {fitLastLayerLaplace, LastLayerLaplace, probit} from './last_layer.js';
export type {FitLaplaceArgs, LaplaceData, LaplaceDataset, LaplaceLikelihood, LaplacePredictArgs} from './last_layer.js';
export type {HessianStructure} from './curvature.js';
export {logEvidence, maximizeEvidence, PRIOR_PRECISION_RANGE} from './marglik.js';
export type {EvidenceTerms} from './marglik.js';
export {cholesky, logDetFromCholesky, symmetricEigen} from './linalg.js';
export type {SymmetricEigen} from './linalg.js';
