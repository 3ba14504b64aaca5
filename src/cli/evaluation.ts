// The Monte Carlo evaluation shared by `train`, `evaluate` and `report`: S-draw predictive on the
// held-out digits and on the same digits rotated by 90°, against the posterior-mean baseline.
import * as tf from '@tensorflow/tfjs';

import {variationalLayers} from '../layers/index.js';
import {accuracy, auroc, brierScore, calibration, compareCalibration, heldOutLogLikelihood, legacyHeldOutNats,
  predictMC, predictMean, summarize, disposeSummary} from '../predictive/index.js';
import type {EceComparison, ReliabilityBin} from '../predictive/index.js';
import type {Digits} from './data.js';
import {imagesTensor, rotate90} from './data.js';

/** Metrics of one predictor (the MC predictive, or the posterior-mean baseline). */
export interface PredictorMetrics {
  accuracy: number;
  /** Mean log p(true label), nats. */
  logLikelihood: number;
  /** TFP's printed "held-out nats": mean log over all N·C entries (legacy, not a likelihood). */
  legacyHeldOutNatsAllEntries: number;
  brier: number;
  /** Expected calibration error, 15 equal-width bins. */
  ece: number;
  mce: number;
  /** Mean predictive entropy on held-out digits, nats. */
  meanEntropy: number;
  /** AUROC of predictive entropy telling rotated (positive) from upright (negative) digits. */
  oodAurocEntropy: number;
  reliability: ReliabilityBin[];
}

/** Everything `evaluate` prints and `report` draws. */
export interface Evaluation {
  samples: number;
  n: number;
  bayesian: PredictorMetrics & {
    /** Mean mutual information (epistemic) on held-out digits, nats. */
    meanMutualInformation: number;
    /** Mean expected entropy (aleatoric), nats. */
    meanExpectedEntropy: number;
    /** AUROC of mutual information for rotated vs upright digits. */
    oodAurocMutualInformation: number;
    /** 95th percentile of held-out mutual information: `predict` calls inputs above it "unsure". */
    mutualInformationQuantile95: number;
  };
  baseline: PredictorMetrics;
  /** A separately trained model (`--baseline-dir`, e.g. lenet5-deterministic), one pass. */
  deterministic?: PredictorMetrics & {modelDir: string};
  /** ECE(MC predictive) − ECE(deterministic) with a 95% paired-bootstrap interval. */
  eceVersusDeterministic?: EceComparison;
  seconds: number;
}

/** Per-example arrays kept for the report (not written to JSON). */
export interface EvaluationDetails {
  labels: Int32Array;
  meanProbs: Float32Array;
  entropyIn: Float32Array;
  entropyOut: Float32Array;
  miIn: Float32Array;
  baselineEntropyIn: Float32Array;
  baselineEntropyOut: Float32Array;
  /** `[S, N, C]` draws on held-out digits. */
  sampleProbs: Float32Array;
}

/** Options of {@link evaluateModel}. */
export interface EvaluateOptions {
  samples: number;
  batchSize: number;
  onProgress?: (done: number, total: number) => void;
}

/** Reads a tensor asynchronously: GPU backends in Node (Dawn) cannot read synchronously. */
export async function read(t: tf.Tensor): Promise<Float32Array> {
  return Float32Array.from(await t.data());
}

function rows(flat: Float32Array, c: number): number[][] {
  return Array.from({length: flat.length / c}, (_, i) => Array.from(flat.subarray(i * c, (i + 1) * c)));
}

function entropyOf(p: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(p, tf.log(tf.maximum(p, 1e-30))), -1)) as tf.Tensor1D);
}

function metricsOf(meanFlat: Float32Array, labels: Int32Array, entIn: Float32Array,
    entOut: Float32Array): PredictorMetrics {
  const mean = rows(meanFlat, meanFlat.length / labels.length);
  const cal = calibration(mean, labels);
  return {
    accuracy: accuracy(mean, labels),
    logLikelihood: heldOutLogLikelihood(mean, labels),
    legacyHeldOutNatsAllEntries: legacyHeldOutNats(mean),
    brier: brierScore(mean, labels),
    ece: cal.ece,
    mce: cal.mce,
    meanEntropy: entIn.reduce((a, b) => a + b, 0) / entIn.length,
    oodAurocEntropy: auroc(entIn, entOut),
    reliability: cal.bins,
  };
}

/** The q-quantile of `values` (nearest rank). */
export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

/** Runs the MC and posterior-mean evaluation of `model` on `data` and its 90°-rotated copy. */
export async function evaluateModel(model: tf.LayersModel, data: Digits,
    opts: EvaluateOptions): Promise<{evaluation: Evaluation, details: EvaluationDetails}> {
  const start = performance.now();
  const bayesian = variationalLayers(model).length > 0;
  const samples = bayesian ? opts.samples : 1;   // a deterministic model gives S equal draws
  const x = imagesTensor(data);
  const xOut = rotate90(x);
  const total = 2 * samples + 2;
  let done = 0;
  const tick = (): void => opts.onProgress?.(++done, total);
  const mc = (input: tf.Tensor): tf.Tensor3D => predictMC(model, input, {samples, batchSize: opts.batchSize,
    onSample: tick});
  const probsIn = mc(x);
  const probsOut = mc(xOut);
  const sIn = summarize(probsIn);
  const sOut = summarize(probsOut);
  const base = (input: tf.Tensor): tf.Tensor2D => predictMean(model, input, {batchSize: opts.batchSize});
  const baseIn = base(x);
  tick();
  const baseOut = base(xOut);
  tick();
  const [baseEntIn, baseEntOut] = [entropyOf(baseIn), entropyOf(baseOut)];
  const details: EvaluationDetails = {
    labels: data.labels,
    meanProbs: await read(sIn.mean),
    entropyIn: await read(sIn.predictiveEntropy),
    entropyOut: await read(sOut.predictiveEntropy),
    miIn: await read(sIn.mutualInformation),
    baselineEntropyIn: await read(baseEntIn),
    baselineEntropyOut: await read(baseEntOut),
    sampleProbs: await read(probsIn),
  };
  const miOut = await read(sOut.mutualInformation);
  const expectedEntropy = await read(sIn.expectedEntropy);
  const baseMean = await read(baseIn);
  const mean = (a: Float32Array): number => a.reduce((s, v) => s + v, 0) / a.length;
  const evaluation: Evaluation = {
    samples,
    n: data.n,
    bayesian: {
      ...metricsOf(details.meanProbs, data.labels, details.entropyIn, details.entropyOut),
      meanMutualInformation: mean(details.miIn),
      meanExpectedEntropy: mean(expectedEntropy),
      oodAurocMutualInformation: auroc(details.miIn, miOut),
      mutualInformationQuantile95: quantile(details.miIn, 0.95),
    },
    baseline: metricsOf(baseMean, data.labels, details.baselineEntropyIn, details.baselineEntropyOut),
    seconds: (performance.now() - start) / 1000,
  };
  disposeSummary(sIn);
  disposeSummary(sOut);
  tf.dispose([x, xOut, probsIn, probsOut, baseIn, baseOut, baseEntIn, baseEntOut]);
  return {evaluation, details};
}

/** Single-pass (posterior-mean) metrics of another model, e.g. a trained deterministic twin. */
export async function evaluateBaseline(model: tf.LayersModel, data: Digits,
    batchSize: number): Promise<{metrics: PredictorMetrics, probs: Float32Array}> {
  const x = imagesTensor(data);
  const xOut = rotate90(x);
  const pIn = predictMean(model, x, {batchSize});
  const pOut = predictMean(model, xOut, {batchSize});
  const [eIn, eOut] = [entropyOf(pIn), entropyOf(pOut)];
  const probs = await read(pIn);
  const metrics = metricsOf(probs, data.labels, await read(eIn), await read(eOut));
  tf.dispose([x, xOut, pIn, pOut, eIn, eOut]);
  return {metrics, probs};
}

/**
 * Adds a separately trained deterministic model to `evaluation`: its single-pass metrics and the
 * paired-bootstrap comparison of the MC predictive's ECE with its ECE on the same digits.
 */
export async function addDeterministic(evaluation: Evaluation, details: EvaluationDetails,
    model: tf.LayersModel, data: Digits, batchSize: number, modelDir: string): Promise<void> {
  const {metrics, probs} = await evaluateBaseline(model, data, batchSize);
  evaluation.deterministic = {...metrics, modelDir};
  evaluation.eceVersusDeterministic = compareCalibration(rows(details.meanProbs, classesOf(details)),
      rows(probs, classesOf(details)), data.labels);
}

function classesOf(d: EvaluationDetails): number {
  return d.meanProbs.length / d.labels.length;
}

/** A plain-text table of an evaluation. */
export function formatEvaluation(e: Evaluation): string {
  const det = e.deterministic;
  const key: Record<string, keyof PredictorMetrics> = {'accuracy': 'accuracy',
    'held-out log-likelihood (nats)': 'logLikelihood', 'legacy TFP "held-out nats" (all C)': 'legacyHeldOutNatsAllEntries',
    'Brier score': 'brier', 'ECE (15 bins)': 'ece', 'mean predictive entropy (nats)': 'meanEntropy',
    'OOD AUROC, entropy (rotated 90°)': 'oodAurocEntropy'};
  const row = (name: string, b: number, d: number, digits = 4): string => {
    const k = key[name];
    const extra = det && k ? (det[k] as number).toFixed(digits).padStart(16) : '';
    return `  ${name.padEnd(36)}${b.toFixed(digits).padStart(12)}${d.toFixed(digits).padStart(16)}${extra}`;
  };
  const lines = [
    `Held-out digits: ${e.n}; Monte Carlo draws: ${e.samples}; ${e.seconds.toFixed(1)} s`,
    `  ${'metric'.padEnd(36)}${'MC predictive'.padStart(12)}${'posterior mean'.padStart(16)}` +
      `${det ? 'deterministic'.padStart(16) : ''}`,
    row('accuracy', e.bayesian.accuracy, e.baseline.accuracy),
    row('held-out log-likelihood (nats)', e.bayesian.logLikelihood, e.baseline.logLikelihood),
    row('legacy TFP "held-out nats" (all C)', e.bayesian.legacyHeldOutNatsAllEntries,
        e.baseline.legacyHeldOutNatsAllEntries),
    row('Brier score', e.bayesian.brier, e.baseline.brier),
    row('ECE (15 bins)', e.bayesian.ece, e.baseline.ece),
    row('mean predictive entropy (nats)', e.bayesian.meanEntropy, e.baseline.meanEntropy),
    row('OOD AUROC, entropy (rotated 90°)', e.bayesian.oodAurocEntropy, e.baseline.oodAurocEntropy),
    `  ${'OOD AUROC, mutual information'.padEnd(36)}${e.bayesian.oodAurocMutualInformation.toFixed(4).padStart(12)}`,
    `  ${'mean mutual information (nats)'.padEnd(36)}${e.bayesian.meanMutualInformation.toFixed(4).padStart(12)}`,
    `  ${'mean expected entropy (nats)'.padEnd(36)}${e.bayesian.meanExpectedEntropy.toFixed(4).padStart(12)}`,
  ];
  const c = e.eceVersusDeterministic;
  if (c) {
    lines.push(`  ECE, MC predictive − deterministic: ${c.difference.toFixed(4)} (${Math.round(c.level * 100)}% ` +
        `paired-bootstrap interval [${c.lower.toFixed(4)}, ${c.upper.toFixed(4)}], ${c.resamples} resamples)`);
  }
  return lines.join('\n');
}
