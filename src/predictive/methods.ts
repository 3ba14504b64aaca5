// One predictive interface for every route to uncertainty: a `PredictiveMethod` maps inputs to
// [S, N, C] class probabilities (a Bayesian model's posterior draws, MC dropout passes, ensemble
// members, Laplace draws or its probit predictive, a deterministic model as S = 1), and
// `evaluateClassifier` scores any of them with the same tfp.predictive metrics.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {checkArgsObject, checkKeys} from '../util/keys.js';

import {predictEnsemble} from './ensemble.js';
import {predictMC} from './mc.js';
import type {PredictMCArgs} from './mc.js';
import {predictMCDropout} from './mc_dropout.js';
import type {PredictMCDropoutArgs} from './mc_dropout.js';
import {accuracy, auroc, brierScore, expectedCalibrationError, heldOutLogLikelihood} from './metrics.js';
import type {Labels} from './metrics.js';
import {disposeSummary, summarize} from './summary.js';

/** A predictive: `predict(x)` returns `[S, N, C]` probabilities (the caller disposes them). */
export interface PredictiveMethod {
  /** A short name for tables. */
  readonly name: string;
  predict(x: tf.Tensor): tf.Tensor3D;
}

/**
 * A deterministic model as a predictive with S = 1 (`model.predict`, softmax outputs).
 *
 * @example
 * const r = tfp.predictive.evaluateClassifier(tfp.predictive.deterministicMethod(net), xTest, yTest);
 */
export function deterministicMethod(model: tfl.LayersModel, name = 'deterministic'): PredictiveMethod {
  return {name, predict: (x) => tf.tidy(() => tf.expandDims(model.predict(x, {batchSize: 256}) as tf.Tensor2D, 0) as tf.Tensor3D)};
}

/**
 * A Bayesian model of this library's layers: {@link predictMC} with `args`.
 *
 * @example
 * const m = tfp.predictive.bayesianMethod(bnn, {samples: 30});
 */
export function bayesianMethod(model: tfl.LayersModel, args: PredictMCArgs = {}, name = 'bayesian'): PredictiveMethod {
  return {name, predict: (x) => predictMC(model, x, args)};
}

/**
 * MC dropout: {@link predictMCDropout} with `args`.
 *
 * @example
 * const m = tfp.predictive.mcDropoutMethod(tfp.convert.insertDropout(net, {rate: 0.1}), {samples: 30, seed: 1});
 */
export function mcDropoutMethod(model: tfl.LayersModel, args: PredictMCDropoutArgs = {}, name = 'mc dropout'): PredictiveMethod {
  return {name, predict: (x) => predictMCDropout(model, x, args)};
}

/**
 * A deep ensemble: {@link predictEnsemble}.
 *
 * @example
 * const m = tfp.predictive.ensembleMethod(members);
 */
export function ensembleMethod(models: readonly tfl.LayersModel[], name = 'ensemble'): PredictiveMethod {
  return {name, predict: (x) => predictEnsemble(models, x, {batchSize: 256})};
}

/**
 * Anything with a `predict(x) → [S, N, C]` (e.g. `tfp.laplace`'s LastLayerLaplace, with its options bound).
 *
 * @example
 * const m = tfp.predictive.customMethod('laplace', (x) => la.predict(x, {method: 'mc', samples: 50}));
 */
export function customMethod(name: string, predict: (x: tf.Tensor) => tf.Tensor3D): PredictiveMethod {
  if (typeof predict !== 'function') throw new ValueError(`customMethod: predict must be a function; got ${fmt(predict)}.`);
  return {name, predict};
}

/** The scores of one method on one labelled set (and, optionally, an out-of-distribution set). */
export interface ClassifierEvaluation {
  name: string;
  /** Accuracy of the predictive mean. */
  accuracy: number;
  /** Mean negative log-likelihood (nats) of the labels under the predictive mean. */
  nll: number;
  /** Brier score of the predictive mean. */
  brier: number;
  /** Expected calibration error (15 bins) of the predictive mean. */
  ece: number;
  /** Mean predictive entropy on the labelled set (nats). */
  meanEntropy: number;
  /** Mean mutual information on the labelled set (nats; 0 when S = 1). */
  meanMutualInformation: number;
  /** AUROC of predictive entropy telling the OOD inputs from the labelled ones (if `ood` was given). */
  oodAuroc?: number;
  /** Wall time of the predictions (ms). */
  ms: number;
}

function mean(t: tf.Tensor): number {
  return tf.tidy(() => tf.mean(t).dataSync()[0] as number);
}

/**
 * Scores a predictive method on `x`, `y`: accuracy, NLL, Brier, ECE, mean entropy and mutual
 * information of `summarize(method.predict(x))`, plus the OOD AUROC of predictive entropy against
 * `ood` inputs. Leaves no tensors behind.
 *
 * @example
 * const la = await tfp.laplace.fitLastLayerLaplace(net, {x: xTrain, y: yTrain});
 * const r = tfp.predictive.evaluateClassifier(tfp.predictive.customMethod('laplace', (x) => la.predict(x)),
 *     xTest, yTest, {ood: xRotated});
 */
export function evaluateClassifier(method: PredictiveMethod, x: tf.Tensor, y: Labels,
    args: {ood?: tf.Tensor} = {}): ClassifierEvaluation {
  const owner = 'evaluateClassifier';
  if (typeof method !== 'object' || method === null || typeof method.predict !== 'function') {
    throw new ValueError(`${owner}: method must be a PredictiveMethod {name, predict}; got ${fmt(method)}.`);
  }
  checkArgsObject(owner, args);
  checkKeys(owner, args, {own: ['ood']});
  const t0 = Date.now();
  const probs = method.predict(x);
  const oodProbs = args.ood === undefined ? null : method.predict(args.ood);
  const ms = Date.now() - t0;
  const s = summarize(probs);
  const so = oodProbs === null ? null : summarize(oodProbs);
  try {
    const out: ClassifierEvaluation = {
      name: method.name,
      accuracy: accuracy(s.mean, y),
      nll: -heldOutLogLikelihood(s.mean, y),
      brier: brierScore(s.mean, y),
      ece: expectedCalibrationError(s.mean, y),
      meanEntropy: mean(s.predictiveEntropy),
      meanMutualInformation: mean(s.mutualInformation),
      ms,
    };
    if (so !== null) out.oodAuroc = auroc(s.predictiveEntropy, so.predictiveEntropy);
    return out;
  } finally {
    disposeSummary(s);
    if (so !== null) disposeSummary(so);
    tf.dispose([probs, ...(oodProbs === null ? [] : [oodProbs])]);
  }
}
