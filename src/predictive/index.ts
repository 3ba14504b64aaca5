// tfp.predictive: Monte Carlo prediction with Bayesian models and the metrics used to judge it
// (accuracy, log-likelihood, Brier, calibration, out-of-distribution AUROC).
export {checkPositiveInt, MAX_MC_SAMPLES, predictMC, predictMean, predictWith} from './mc.js';
export type {PredictMCArgs, Predictor} from './mc.js';
export {disposeSummary, entropy, summarize} from './summary.js';
export type {PredictiveSummary} from './summary.js';
export {accuracy, auroc, brierScore, calibration, compareCalibration, expectedCalibrationError, heldOutLogLikelihood,
  legacyHeldOutNats} from './metrics.js';
export type {Calibration, EceComparison, Labels, Probs2D, ReliabilityBin} from './metrics.js';
export {disposeMixtureMoments, evaluateRegression, gaussianMixtureCRPS, intervalCoverage, mixtureLogLikelihood,
  mixtureMoments, predictDistributionMC, regressionCalibration} from './regression.js';
export type {GaussianSamples, IntervalCoverage, MixtureMoments, PredictDistributionMCArgs, RegressionCalibration,
  RegressionReliabilityPoint, RegressionSummary} from './regression.js';
export {dropoutLayers, predictMCDropout, withDropoutActive} from './mc_dropout.js';
export type {PredictMCDropoutArgs} from './mc_dropout.js';
export {predictEnsemble, trainEnsemble} from './ensemble.js';
export type {PredictEnsembleArgs, TrainEnsembleArgs} from './ensemble.js';
export {bayesianMethod, customMethod, deterministicMethod, ensembleMethod, evaluateClassifier, mcDropoutMethod} from './methods.js';
export type {ClassifierEvaluation, PredictiveMethod} from './methods.js';
