// The Monte Carlo predictive for models whose output is a distribution layer (regression with
// IndependentNormal, DistributionLambda, …): per-sample distribution parameters, the predictive
// mixture's moments split into aleatoric and epistemic parts, its log-likelihood, and calibration
// for regression (central-interval coverage, a PIT reliability curve, the CRPS).
//
// The predictive of S posterior samples is the equal-weight mixture
// p(y | x) ≈ (1/S) Σ_s N(y | μ_s(x), σ_s(x)²), each sample one draw of every layer's weights shared
// by all batches (tfp.layers.withPosteriorSample).
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import {distributionOf} from '../layers/distribution_layer.js';
import {withPosteriorSample} from '../layers/model_utils.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {checkArgsObject, checkKeys} from '../util/keys.js';
import {checkElementCount} from '../util/shape.js';

import {checkPositiveInt, MAX_MC_SAMPLES} from './mc.js';
import {checkHostMixture, crpsAt, mixtureCdfAt, mixtureQuantileAt, normalQuantile} from './regression_metrics.js';
import type {HostMixture} from './regression_metrics.js';

/** Per-sample parameters of a Gaussian predictive: `loc` and `scale`, both `[S, N, D]`. */
export interface GaussianSamples {
  loc: tf.Tensor3D;
  scale: tf.Tensor3D;
}

/** Options of {@link predictDistributionMC}. */
export interface PredictDistributionMCArgs {
  /** Posterior samples S, 1 … MAX_MC_SAMPLES. Default 50. */
  samples?: number;
  /** Examples per forward pass. Default 128. Every batch of one sample uses the same weights. */
  batchSize?: number;
  /** Called after each sample with the number done. */
  onSample?: (done: number, total: number) => void;
}

function as2D(owner: string, t: tf.Tensor, n: number): tf.Tensor2D {
  // [N] (a scalar event) or [N, …event] → [N, D].
  if (t.shape[0] !== n) {
    throw new ValueError(`${owner}: the output distribution must have batch shape [N] = [${n}]; got a ` +
        `parameter of shape ${fmt(t.shape)}.`);
  }
  return tf.reshape(t, [n, -1]) as tf.Tensor2D;
}

/**
 * Runs `samples` posterior samples of a model whose output layer is a distribution layer
 * (`IndependentNormal`, `DistributionLambda`, …) over `x` and returns the output distribution's
 * mean and standard deviation per sample, `loc` and `scale` of shape `[S, N, D]` (D = the event
 * size, flattened). Each sample is one draw of every Bayesian layer's weights, shared by all
 * batches (`tfp.layers.withPosteriorSample`), so each sample is one function. For Gaussian
 * outputs `loc`/`scale` are the component parameters of the predictive mixture; for other
 * distributions they are the mean and stddev (the mixture moments below stay exact; the
 * log-likelihood, CRPS and coverage below assume Gaussian components). Dispose both when done.
 *
 * @example
 * const {loc, scale} = await tfp.predictive.predictDistributionMC(model, xTest, {samples: 100});
 * const summary = await tfp.predictive.evaluateRegression({loc, scale}, yTest);
 */
export async function predictDistributionMC(model: tfl.LayersModel, x: tf.Tensor,
    args: PredictDistributionMCArgs = {}): Promise<GaussianSamples> {
  const owner = 'predictDistributionMC';
  if (typeof model !== 'object' || model === null || typeof (model as {apply?: unknown}).apply !== 'function') {
    throw new ValueError(`${owner}: model must be a tf.LayersModel; got ${fmt(model)}.`);
  }
  if (!(x instanceof tf.Tensor) || x.isDisposed) {
    throw new ValueError(`${owner}: x must be a (not disposed) tf.Tensor; got ${fmt(x)}.`);
  }
  checkArgsObject(owner, args);
  checkKeys(owner, args, {own: ['samples', 'batchSize', 'onSample']});
  const samples = checkPositiveInt(owner, 'samples', args.samples ?? 50);
  if (samples > MAX_MC_SAMPLES) {
    throw new ValueError(`${owner}: samples must be at most ${MAX_MC_SAMPLES} (MAX_MC_SAMPLES); got ${fmt(samples)}.`);
  }
  const batchSize = checkPositiveInt(owner, 'batchSize', args.batchSize ?? 128);
  if (args.onSample !== undefined && typeof args.onSample !== 'function') {
    throw new ValueError(`${owner}: onSample must be a function; got ${fmt(args.onSample)}.`);
  }
  const n = x.shape[0] ?? 0;
  if (n < 1) throw new ValueError(`${owner}: x must have at least one example; got shape ${fmt(x.shape)}.`);
  checkElementCount(owner, 'the result [samples, N, D]', [samples, n]);
  const locs: tf.Tensor2D[] = [];
  const scales: tf.Tensor2D[] = [];
  try {
    for (let s = 0; s < samples; s++) {
      const [loc, scale] = withPosteriorSample(model, () => {
        const parts: Array<[tf.Tensor2D, tf.Tensor2D]> = [];
        for (let start = 0; start < n; start += batchSize) {
          const size = Math.min(batchSize, n - start);
          parts.push(tf.tidy(() => {
            const xb = tf.slice(x, start, size);
            const out = model.apply(xb) as tf.Tensor | tf.Tensor[];
            const y = Array.isArray(out) ? out[0] : out;
            const d = y === undefined ? undefined : distributionOf(y);
            if (d === undefined || (Array.isArray(out) && out.length !== 1)) {
              throw new ValueError(`${owner}: the model's output must come from one distribution layer ` +
                  `(IndependentNormal, DistributionLambda, …); got ${fmt(Array.isArray(out) ? out.map((t) => t.shape) : y?.shape)}.`);
            }
            return [as2D(owner, d.mean(), size), as2D(owner, d.stddev(), size)] as [tf.Tensor2D, tf.Tensor2D];
          }));
        }
        const joined = tf.tidy(() => [tf.concat(parts.map((p) => p[0])), tf.concat(parts.map((p) => p[1]))]) as
            [tf.Tensor2D, tf.Tensor2D];
        tf.dispose(parts.flat());
        return joined;
      });
      locs.push(loc);
      scales.push(scale);
      args.onSample?.(s + 1, samples);
      // Let other work (a UI, timers) run between samples.
      if (s % 10 === 9) await new Promise((r) => setTimeout(r, 0));
    }
    return {loc: tf.stack(locs) as tf.Tensor3D, scale: tf.stack(scales) as tf.Tensor3D};
  } finally {
    tf.dispose([...locs, ...scales]);
  }
}

/** Moments of the predictive mixture, each `[N, D]`. */
export interface MixtureMoments {
  /** Mean over samples of the component means. */
  mean: tf.Tensor2D;
  /** Total predictive variance = aleatoric + epistemic (law of total variance). */
  variance: tf.Tensor2D;
  /** `√variance`. */
  stddev: tf.Tensor2D;
  /** Mean over samples of the component variances (the noise the model predicts). */
  aleatoric: tf.Tensor2D;
  /** Variance over samples of the component means, divisor S (the spread of the posterior functions). */
  epistemic: tf.Tensor2D;
}

function checkSamples(owner: string, p: unknown): GaussianSamples {
  const g = p as GaussianSamples;
  if (typeof p !== 'object' || p === null || !(g.loc instanceof tf.Tensor) || !(g.scale instanceof tf.Tensor)) {
    throw new ValueError(`${owner}: expects {loc, scale} tensors of shape [S, N, D]; got ${fmt(p)}.`);
  }
  if (g.loc.rank !== 3 || !tf.util.arraysEqual(g.loc.shape, g.scale.shape)) {
    throw new ValueError(`${owner}: loc and scale must both have shape [S, N, D]; got ${fmt(g.loc.shape)} and ` +
        `${fmt(g.scale.shape)}.`);
  }
  return g;
}

function checkTargets(owner: string, p: GaussianSamples, y: unknown): tf.Tensor2D {
  if (!(y instanceof tf.Tensor)) throw new ValueError(`${owner}: y must be a tf.Tensor; got ${fmt(y)}.`);
  const [, n, d] = p.loc.shape;
  if (y.size !== n * d || y.shape[0] !== n) {
    throw new ValueError(`${owner}: y must have N = ${n} rows of D = ${d} values (shape [${n}, ${d}] or ` +
        `[${n}]); got shape ${fmt(y.shape)}.`);
  }
  return tf.reshape(y, [n, d]) as tf.Tensor2D;
}

/**
 * The predictive mixture's mean and variance, with the variance split into its aleatoric part
 * (mean of the component variances) and its epistemic part (variance of the component means).
 *
 * @example
 * const m = tfp.predictive.mixtureMoments({loc, scale});
 * m.epistemic.print();
 */
export function mixtureMoments(p: GaussianSamples): MixtureMoments {
  const {loc, scale} = checkSamples('mixtureMoments', p);
  return tf.tidy(() => {
    const {mean, variance: epistemic} = tf.moments(loc, 0);
    const aleatoric = tf.mean(tf.square(scale), 0);
    const variance = tf.add(aleatoric, epistemic);
    return {mean: mean as tf.Tensor2D, variance: variance as tf.Tensor2D, stddev: tf.sqrt(variance) as tf.Tensor2D,
      aleatoric: aleatoric as tf.Tensor2D, epistemic: epistemic as tf.Tensor2D};
  });
}

/** Disposes every tensor of a {@link MixtureMoments}. */
export function disposeMixtureMoments(m: MixtureMoments): void {
  tf.dispose([m.mean, m.variance, m.stddev, m.aleatoric, m.epistemic]);
}

/**
 * Per-example log-likelihood of targets under the Gaussian predictive mixture,
 * `log (1/S) Σ_s Π_d N(y_d | μ_sd, σ_sd²)` = logsumexp over samples − log S, shape `[N]`.
 *
 * @example
 * const ll = tfp.predictive.mixtureLogLikelihood({loc, scale}, yTest);   // [N]
 * console.log(ll.mean().dataSync()[0]);
 */
export function mixtureLogLikelihood(p: GaussianSamples, y: tf.Tensor): tf.Tensor1D {
  const owner = 'mixtureLogLikelihood';
  const {loc, scale} = checkSamples(owner, p);
  return tf.tidy(() => {
    const t = checkTargets(owner, p, y);
    const z = tf.div(tf.sub(t, loc), scale);
    const logN = tf.sub(tf.mul(-0.5, tf.square(z)), tf.add(tf.log(scale), 0.5 * Math.log(2 * Math.PI)));
    const perSample = tf.sum(logN, 2);                         // [S, N]
    return tf.sub(tf.logSumExp(perSample, 0), Math.log(loc.shape[0])) as tf.Tensor1D;
  });
}

/** Host copies of loc, scale and y as float64, with S, N, D. */
async function hostArrays(owner: string, p: GaussianSamples, y: tf.Tensor): Promise<HostMixture> {
  const {loc, scale} = checkSamples(owner, p);
  const t = checkTargets(owner, p, y);
  const [l, s, v] = await Promise.all([loc.data(), scale.data(), t.data()]);
  t.dispose();
  const [S, N, D] = loc.shape;
  const h = {loc: Float64Array.from(l), scale: Float64Array.from(s), y: Float64Array.from(v), S, N, D};
  checkHostMixture(owner, h);
  return h;
}

/** Coverage of one central interval. */
export interface IntervalCoverage {
  /** Nominal probability of the central interval, e.g. 0.9. */
  level: number;
  /** Fraction of targets inside the mixture's central interval at that level. */
  observed: number;
  /** Mean width of the intervals (target units). */
  meanWidth: number;
}

function checkLevels(owner: string, levels: unknown): number[] {
  if (!Array.isArray(levels) || levels.length === 0 ||
      levels.some((l) => typeof l !== 'number' || !(l > 0 && l < 1))) {
    throw new ValueError(`${owner}: levels must be a non-empty list of numbers in (0, 1); got ${fmt(levels)}.`);
  }
  return levels as number[];
}

/**
 * Coverage of the predictive mixture's central intervals: for each level p, the fraction of
 * targets between the mixture's (1 − p)/2 and (1 + p)/2 quantiles. The quantiles solve F(q) = p
 * on the float64 mixture CDF (normal CDF accurate to 6e-16) by Newton steps safeguarded by
 * bisection inside a bracket that provably holds the root, to |F(q) − p| ≤ 1e-12
 * (`QUANTILE_TOLERANCE`). A calibrated predictive covers p of the targets. Default levels 0.5,
 * 0.9, 0.95. Cost: 2 quantiles per level and entry, each 3–6 evaluations of S normal CDFs.
 *
 * @example
 * const cov = await tfp.predictive.intervalCoverage({loc, scale}, yTest);
 * // [{level: 0.5, observed: 0.49, meanWidth: 3.1}, …]
 */
export async function intervalCoverage(p: GaussianSamples, y: tf.Tensor,
    levels: number[] = [0.5, 0.9, 0.95]): Promise<IntervalCoverage[]> {
  const owner = 'intervalCoverage';
  const lv = checkLevels(owner, levels);
  const h = await hostArrays(owner, p, y);
  return lv.map((level) => {
    const pLo = (1 - level) / 2;
    const pHi = (1 + level) / 2;
    const [zLo, zHi] = [normalQuantile(pLo), normalQuantile(pHi)];
    let inside = 0;
    let width = 0;
    for (let n = 0; n < h.N; n++) {
      for (let d = 0; d < h.D; d++) {
        const lo = mixtureQuantileAt(h, n, d, pLo, zLo);
        const hi = mixtureQuantileAt(h, n, d, pHi, zHi);
        const v = h.y[n * h.D + d] as number;
        if (v >= lo && v <= hi) inside++;
        width += hi - lo;
      }
    }
    return {level, observed: inside / (h.N * h.D), meanWidth: width / (h.N * h.D)};
  });
}

/** One point of a regression reliability curve. */
export interface RegressionReliabilityPoint {
  /** Nominal probability p. */
  expected: number;
  /** Fraction of targets with predictive CDF F(y) ≤ p. */
  observed: number;
}

/** A regression reliability curve and its summary. */
export interface RegressionCalibration {
  points: RegressionReliabilityPoint[];
  /** Mean |observed − expected| over the points. */
  calibrationError: number;
}

/**
 * The regression reliability curve of Kuleshov et al. 2018: the probability integral transform
 * F(y) of every target under its predictive mixture, and for p = 1/B, 2/B, …, (B−1)/B the fraction
 * of targets with F(y) ≤ p. Calibrated: observed = expected. Default B = 10.
 *
 * @example
 * const {calibrationError} = await tfp.predictive.regressionCalibration({loc, scale}, yTest);
 */
export async function regressionCalibration(p: GaussianSamples, y: tf.Tensor, bins = 10): Promise<RegressionCalibration> {
  const owner = 'regressionCalibration';
  if (!Number.isSafeInteger(bins) || bins < 2) {
    throw new ValueError(`${owner}: bins must be an integer ≥ 2; got ${fmt(bins)}.`);
  }
  const h = await hostArrays(owner, p, y);
  const pit: number[] = [];
  for (let n = 0; n < h.N; n++) for (let d = 0; d < h.D; d++) pit.push(mixtureCdfAt(h, n, d, h.y[n * h.D + d] as number));
  const points = Array.from({length: bins - 1}, (_, k) => {
    const expected = (k + 1) / bins;
    return {expected, observed: pit.filter((v) => v <= expected).length / pit.length};
  });
  const calibrationError = points.reduce((a, q) => a + Math.abs(q.observed - q.expected), 0) / points.length;
  return {points, calibrationError};
}

/**
 * Mean continuous ranked probability score of the Gaussian predictive mixtures (lower is better;
 * target units). Closed form (Grimit et al. 2006): CRPS = Σ_i w_i E|X_i − y| − ½ Σ_ij w_i w_j
 * E|X_i − X_j| with E|N(μ, σ²)| = μ(2Φ(μ/σ) − 1) + 2σφ(μ/σ), w = 1/S, in float64. S(S+1)/2 error
 * functions per entry (O(S²·N·D)): meant for S ≲ 200.
 *
 * @example
 * const crps = await tfp.predictive.gaussianMixtureCRPS({loc, scale}, yTest);
 */
export async function gaussianMixtureCRPS(p: GaussianSamples, y: tf.Tensor): Promise<number> {
  const h = await hostArrays('gaussianMixtureCRPS', p, y);
  let total = 0;
  for (let n = 0; n < h.N; n++) for (let d = 0; d < h.D; d++) total += crpsAt(h, n, d);
  return total / (h.N * h.D);
}

/** What {@link evaluateRegression} returns (numbers, in target units). */
export interface RegressionSummary {
  /** RMSE of the mixture mean. */
  rmse: number;
  /** Mean per-example log-likelihood of the targets under the mixture (nats). */
  logLikelihood: number;
  /** Mean CRPS. */
  crps: number;
  /** Central-interval coverage at `levels`. */
  coverage: IntervalCoverage[];
  /** Mean |observed − expected| of the PIT reliability curve (10 bins). */
  calibrationError: number;
  /** Mean over examples of the aleatoric and epistemic variances. */
  meanAleatoricVariance: number;
  meanEpistemicVariance: number;
}

/**
 * Every regression metric of this module for per-sample Gaussian parameters and targets:
 * RMSE, log-likelihood, CRPS, interval coverage, PIT calibration error, and the mean aleatoric and
 * epistemic variances. Multiply `logLikelihood` etc. back to target units yourself if the model
 * was trained on standardized targets (`ll − log σ_y`, RMSE × σ_y).
 *
 * @example
 * const {loc, scale} = await tfp.predictive.predictDistributionMC(model, xTest, {samples: 100});
 * const s = await tfp.predictive.evaluateRegression({loc, scale}, yTest);
 * console.log(s.rmse, s.logLikelihood, s.coverage);
 */
export async function evaluateRegression(p: GaussianSamples, y: tf.Tensor,
    args: {levels?: number[]} = {}): Promise<RegressionSummary> {
  const owner = 'evaluateRegression';
  checkArgsObject(owner, args);
  checkKeys(owner, args, {own: ['levels']});
  const g = checkSamples(owner, p);
  const levels = checkLevels(owner, args.levels ?? [0.5, 0.9, 0.95]);
  const m = mixtureMoments(g);
  const [rmseT, llT, ale, epi] = tf.tidy(() => {
    const t = checkTargets(owner, g, y);
    return [tf.sqrt(tf.mean(tf.square(tf.sub(m.mean, t)))), tf.mean(mixtureLogLikelihood(g, y)),
      tf.mean(m.aleatoric), tf.mean(m.epistemic)];
  });
  disposeMixtureMoments(m);
  const values = await Promise.all([rmseT, llT, ale, epi].map((t) => t.data()));
  tf.dispose([rmseT, llT, ale, epi]);
  const [coverage, calibration, crps] = await Promise.all([intervalCoverage(g, y, levels),
    regressionCalibration(g, y), gaussianMixtureCRPS(g, y)]);
  return {rmse: values[0]![0] as number, logLikelihood: values[1]![0] as number, crps, coverage,
    calibrationError: calibration.calibrationError, meanAleatoricVariance: values[2]![0] as number,
    meanEpistemicVariance: values[3]![0] as number};
}
