// Last-layer Laplace (Daxberger et al. 2021, "Laplace Redux"; laplace-torch's LLLaplace): a Gaussian
// posterior over the final Dense layer of a trained classifier or regressor, N(θ*, (H + λI)⁻¹), with
// the GGN H accumulated over the training set in batches (memory flat: host accumulators of fixed
// size), the prior precision λ from the marginal likelihood or a validation NLL, and the
// predictive by the probit approximation or by Monte Carlo.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import type {GaussianSamples} from '../predictive/regression.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {checkArgsObject, checkKeys} from '../util/keys.js';
import {checkSeed, SeedStream} from '../util/seed.js';

import {CurvatureAccumulator} from './curvature.js';
import type {HessianStructure, PosteriorStructure} from './curvature.js';
import {logEvidence, maximizeEvidence} from './marglik.js';
import type {EvidenceTerms} from './marglik.js';

/** What the head predicts: class logits / softmax probabilities, or Gaussian means. */
export type LaplaceLikelihood = 'classification' | 'regression';

/** Inputs and targets: `x` [N, …], `y` integer labels [N] or one-hot [N, C] (classification), [N, C] or [N] (regression). */
export interface LaplaceData {
  x: tf.Tensor;
  y: tf.Tensor;
}

/** A tf.data.Dataset (or anything with its async `iterator()`) of batches `{xs, ys}`. */
export interface LaplaceDataset {
  iterator(): Promise<{next(): Promise<IteratorResult<unknown>>}>;
}

/** Options of {@link fitLastLayerLaplace}. */
export interface FitLaplaceArgs {
  /** Default `'classification'` (a softmax or linear-logits Dense head with ≥ 2 units). */
  likelihood?: LaplaceLikelihood;
  /**
   * The Hessian's structure: `'full'` (P × P, an O(P³) eigendecomposition on the host: ≈ 4 s for
   * LeNet-5's 850-parameter head), `'diagonal'`, or `'kron'` (KFAC, A ⊗ G). Default `'auto'`: full
   * for P ≤ 2000 parameters, else kron. For regression `'full'` is exact and as cheap as kron.
   */
  hessianStructure?: HessianStructure | 'auto';
  /**
   * λ of the prior N(0, λ⁻¹ I): a number, `'marglik'` (default: the maximiser of the Laplace marginal
   * likelihood, in closed form up to a 1-D root), or `'validation'` (the grid value with the lowest
   * NLL of the probit / Gaussian predictive on `validation`).
   */
  priorPrecision?: number | 'marglik' | 'validation';
  /** Held-out data for `priorPrecision: 'validation'`. */
  validation?: LaplaceData;
  /** Grid for `'validation'`. Default 10^k for k = −2, −1.75, …, 4 (25 values). */
  priorPrecisionGrid?: readonly number[];
  /** Regression noise σ. Default: the maximum-likelihood σ from the training residuals. */
  sigmaNoise?: number;
  /** Examples per batch of the pass over the data. Default 256. */
  batchSize?: number;
}

/** Options of {@link LastLayerLaplace.predict}. */
export interface LaplacePredictArgs {
  /** `'probit'` (default; MacKay's approximation, one deterministic [1, N, C]) or `'mc'`. */
  method?: 'probit' | 'mc';
  /** Posterior draws for `'mc'`. Default 100. */
  samples?: number;
  /** Seed of the draws for `'mc'`. Default unseeded. */
  seed?: number;
  /** Examples per batch. Default 256. */
  batchSize?: number;
}

const OWNER = 'fitLastLayerLaplace';
const AUTO_FULL_MAX_PARAMS = 2000;
const DEFAULT_GRID: readonly number[] = Array.from({length: 25}, (_, k) => 10 ** (-2 + 0.25 * k));

interface Head {
  layer: tfl.layers.Layer;
  kernel: tf.Tensor2D;
  bias: tf.Tensor1D | null;
  features: (x: tf.Tensor) => tf.Tensor2D;
}

function headOf(model: tfl.LayersModel, likelihood: LaplaceLikelihood): Head {
  if (!(model instanceof tfl.LayersModel)) {
    throw new ValueError(`${OWNER}: model must be a tf.LayersModel or tf.Sequential; got ${fmt(model)}.`);
  }
  if (model.outputs.length !== 1) {
    throw new ValueError(`${OWNER}: model must have one output; got ${model.outputs.length}.`);
  }
  // A Sequential keeps its output layer in `layers` (its outputLayers belong to an inner model).
  const layer = (model instanceof tfl.Sequential ? model.layers[model.layers.length - 1] : model.outputLayers[0]) as
      tfl.layers.Layer;
  const named = `layer ${fmt(layer.name)} (${layer.getClassName()})`;
  const what = `the head, ${named}`;
  if (layer.getClassName() !== 'Dense') {
    throw new ValueError(`${OWNER}: the model's last layer must be a Dense layer; got ${named}.`);
  }
  if (layer.inboundNodes.length !== 1) {
    throw new ValueError(`${OWNER}: ${what} is shared (used at ${layer.inboundNodes.length} nodes).`);
  }
  const config = layer.getConfig();
  const activation = config['activation'];
  const units = config['units'] as number;
  if (likelihood === 'classification') {
    if (activation !== 'softmax' && activation !== 'linear') {
      throw new ValueError(`${OWNER}: likelihood "classification" needs a softmax or linear (logits) head; ` +
          `${what} has activation ${fmt(activation)}.`);
    }
    if (units < 2) {
      throw new ValueError(`${OWNER}: likelihood "classification" needs a head with ≥ 2 units (classes); ` +
          `${what} has ${units}.`);
    }
  } else if (activation !== 'linear') {
    throw new ValueError(`${OWNER}: likelihood "regression" needs a linear head; ${what} has activation ${fmt(activation)}.`);
  }
  const input = layer.input as tfl.SymbolicTensor;
  const inputs = model.inputs;
  const identity = inputs.length === 1 && inputs[0] === input;
  const sub = identity ? null : tfl.model({inputs, outputs: input});
  const [kernel, bias] = layer.getWeights() as [tf.Tensor2D, tf.Tensor1D | undefined];
  if (kernel.rank !== 2) {
    throw new ValueError(`${OWNER}: ${what} must take [N, features] inputs; its kernel has shape ${fmt(kernel.shape)}.`);
  }
  return {
    layer, kernel, bias: bias ?? null,
    features: (x) => {
      const f = sub === null ? x : sub.predict(x) as tf.Tensor;
      if (f.rank !== 2) throw new ValueError(`${OWNER}: the head's input must be [N, features]; got ${fmt(f.shape)}.`);
      return f as tf.Tensor2D;
    },
  };
}

function isTensor(t: unknown): t is tf.Tensor {
  return t instanceof tf.Tensor && !t.isDisposed;
}

function isDataset(d: unknown): d is LaplaceDataset {
  return typeof d === 'object' && d !== null && typeof (d as LaplaceDataset).iterator === 'function';
}

function checkData(owner: string, arg: string, data: unknown): void {
  if (isDataset(data)) return;
  const {x, y} = (data ?? {}) as Partial<LaplaceData>;
  if (!isTensor(x) || !isTensor(y)) {
    throw new ValueError(`${owner}: ${arg} must be {x, y} (live tensors) or a tf.data.Dataset of {xs, ys}; got ${fmt(data)}.`);
  }
  if (x.shape[0] !== y.shape[0]) {
    throw new ValueError(`${owner}: ${arg}.x and ${arg}.y must have the same number of examples; got ` +
        `${fmt(x.shape)} and ${fmt(y.shape)}.`);
  }
  if (x.shape[0] === 0) throw new ValueError(`${owner}: ${arg} is empty (0 examples).`);
}

/** Calls `fn(xBatch, yBatch)` for every batch of `data`; batches are disposed after `fn`. */
async function forEachBatch(data: LaplaceData | LaplaceDataset, batchSize: number,
    fn: (x: tf.Tensor, y: tf.Tensor) => void): Promise<void> {
  if (!isDataset(data)) {
    const n = data.x.shape[0] as number;
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const [xb, yb] = tf.tidy(() => [sliceRows(data.x, start, size), sliceRows(data.y, start, size)]);
      try {
        fn(xb as tf.Tensor, yb as tf.Tensor);
      } finally {
        tf.dispose([xb as tf.Tensor, yb as tf.Tensor]);
      }
    }
    return;
  }
  const it = await data.iterator();
  for (;;) {
    const {value, done} = await it.next();
    if (done) break;
    const v = value as {xs?: unknown; ys?: unknown; x?: unknown; y?: unknown};
    const xs = v.xs ?? v.x;
    const ys = v.ys ?? v.y;
    try {
      if (!isTensor(xs) || !isTensor(ys) || xs.shape[0] !== ys.shape[0]) {
        throw new ValueError(`${OWNER}: every dataset element must be a batch {xs, ys} of tensors with the same ` +
            `number of rows; got ${fmt(value)}.`);
      }
      if (xs.shape[0] !== 0) fn(xs, ys);
    } finally {
      tf.dispose([xs, ys].filter(isTensor));
    }
  }
}

function sliceRows(t: tf.Tensor, start: number, size: number): tf.Tensor {
  return tf.slice(t, [start, ...t.shape.slice(1).map(() => 0)], [size, ...t.shape.slice(1).map(() => -1)]);
}

/** Integer labels [B] of a batch (from [B] labels or [B, C] one-hot), checked against C. */
function labelsOf(y: tf.Tensor, c: number): Int32Array {
  const idx = y.rank === 2 ? tf.tidy(() => tf.argMax(y, -1)) : y;
  const out = Int32Array.from(idx.dataSync());
  if (idx !== y) idx.dispose();
  if (y.rank > 2 || (y.rank === 2 && y.shape[1] !== c)) {
    throw new ValueError(`${OWNER}: classification labels must be [N] integers or [N, ${c}] one-hot; got ${fmt(y.shape)}.`);
  }
  const bad = out.findIndex((v) => !(v >= 0 && v < c));
  if (bad >= 0) throw new ValueError(`${OWNER}: labels must be integers in [0, ${c}); got ${out[bad]}.`);
  return out;
}

function checkPositiveInt(arg: string, v: unknown, fallback: number): number {
  const value = v ?? fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ValueError(`${OWNER}: ${arg} must be a positive integer; got ${fmt(v)}.`);
  }
  return value;
}

/**
 * The fitted last-layer Laplace posterior and its predictive. Holds a few tensors (the MAP head and
 * the posterior factors): call {@link dispose} when done.
 */
export class LastLayerLaplace {
  /** λ of the prior N(0, λ⁻¹ I) in use (set by the fit; change with {@link setPriorPrecision}). */
  priorPrecision: number;

  private readonly theta: tf.Tensor2D;

  /** @internal Use {@link fitLastLayerLaplace}. */
  constructor(
      readonly likelihood: LaplaceLikelihood,
      private readonly head: Head,
      private readonly posterior: PosteriorStructure,
      private readonly terms: EvidenceTerms,
      /** Training examples the curvature was accumulated over. */
      readonly numExamples: number,
      /** Regression noise σ (1 for classification). */
      readonly sigmaNoise: number,
      priorPrecision: number) {
    this.priorPrecision = priorPrecision;
    this.theta = tf.tidy(() => (head.bias === null ? tf.clone(head.kernel) :
        tf.concat([head.kernel, tf.reshape(head.bias, [1, -1])], 0)) as tf.Tensor2D);
  }

  /** The Hessian structure. */
  get hessianStructure(): HessianStructure {
    return this.posterior.structure;
  }

  /** Number of head parameters P (kernel + bias). */
  get numParams(): number {
    return this.posterior.numParams;
  }

  /** The head layer's name. */
  get headName(): string {
    return this.head.layer.name;
  }

  /** The (approximate) GGN H of the NLL in the head parameters, dense [P, P] in float64, θ ordered kernel (row-major) then bias. */
  hessianMatrix(): Float64Array {
    return this.posterior.hessianMatrix();
  }

  /** The Laplace log marginal likelihood log p(D | λ) at `priorPrecision` (default: the one in use). */
  logMarginalLikelihood(priorPrecision: number = this.priorPrecision): number {
    return logEvidence(this.terms, priorPrecision);
  }

  /** Sets λ (a finite number > 0); the posterior is (H + λI)⁻¹ from then on. */
  setPriorPrecision(priorPrecision: number): void {
    logEvidence(this.terms, priorPrecision);   // checks the value
    this.priorPrecision = priorPrecision;
  }

  /** The head's inputs a = [φ(x); 1] (no 1 without a bias): [B, D], a new tensor. */
  headInputs(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const f = tf.cast(this.head.features(x), 'float32') as tf.Tensor2D;
      return this.head.bias === null ? f : tf.concat([f, tf.ones([f.shape[0], 1])], 1) as tf.Tensor2D;
    });
  }

  /** Runs `fn` on batches of `x` and concatenates each returned tensor along `axis`. */
  private batched(x: tf.Tensor, batchSize: number, axis: number, fn: (a: tf.Tensor2D) => tf.Tensor[]): tf.Tensor[] {
    if (!isTensor(x)) throw new ValueError(`LastLayerLaplace: x must be a live tf.Tensor; got ${fmt(x)}.`);
    const n = x.shape[0] as number;
    const parts: tf.Tensor[][] = [];
    try {
      for (let start = 0; start < n; start += batchSize) {
        parts.push(tf.tidy(() => fn(this.headInputs(sliceRows(x, start, Math.min(batchSize, n - start))))));
      }
      if (parts.length === 0) throw new ValueError('LastLayerLaplace: x is empty (0 examples).');
      return (parts[0] as tf.Tensor[]).map((_, k) => tf.concat(parts.map((p) => p[k] as tf.Tensor), axis));
    } finally {
      parts.forEach((p) => tf.dispose(p));
    }
  }

  /**
   * The Gaussian of the head's outputs (logits, or regression means) under the posterior:
   * `mean = Θ*ᵀa` and the diagonal of `J (H + λI)⁻¹ Jᵀ`, both [N, C]. Dispose both.
   */
  logitMoments(x: tf.Tensor, args: {batchSize?: number} = {}): {mean: tf.Tensor2D; variance: tf.Tensor2D} {
    const batchSize = checkPositiveInt('batchSize', args.batchSize, 256);
    const [mean, variance] = this.batched(x, batchSize, 0, (a) => [
      tf.matMul(a, this.theta), tf.squeeze(this.posterior.logitVariance(a, [this.priorPrecision]), [0])]);
    return {mean: mean as tf.Tensor2D, variance: variance as tf.Tensor2D};
  }

  /**
   * Class probabilities as `[S, N, C]`, the layout of `tfp.predictive.predictMC`: `'probit'` gives
   * S = 1, MacKay's `softmax(κ ⊙ f̂)` with `κ_c = 1/√(1 + π/8 · var_c)` (laplace-torch's
   * `link_approx='probit'`); `'mc'` gives S softmaxes of the logits of S posterior draws of the head,
   * each draw shared by all examples (one function per sample). Classification only.
   *
   * @example
   * const probs = la.predict(xTest);                                   // [1, N, C]
   * const draws = la.predict(xTest, {method: 'mc', samples: 100, seed: 1});   // [100, N, C]
   */
  predict(x: tf.Tensor, args: LaplacePredictArgs = {}): tf.Tensor3D {
    const owner = 'LastLayerLaplace.predict';
    if (this.likelihood !== 'classification') {
      throw new ValueError(`${owner}: needs likelihood "classification"; this posterior is "${this.likelihood}" ` +
          `(use predictDistribution).`);
    }
    checkArgsObject(owner, args);
    checkKeys(owner, args, {own: ['method', 'samples', 'seed', 'batchSize']});
    const method = args.method ?? 'probit';
    if (method !== 'probit' && method !== 'mc') {
      throw new ValueError(`${owner}: method must be one of "probit", "mc"; got ${fmt(args.method)}.`);
    }
    const batchSize = checkPositiveInt('batchSize', args.batchSize, 256);
    if (method === 'probit') {
      const lambda = this.priorPrecision;
      const [p] = this.batched(x, batchSize, 1, (a) => [tf.expandDims(probit(tf.matMul(a, this.theta),
          tf.squeeze(this.posterior.logitVariance(a, [lambda]), [0])), 0)]);
      return p as tf.Tensor3D;
    }
    const samples = checkPositiveInt('samples', args.samples, 100);
    const seed = new SeedStream(checkSeed(owner, args.seed), 'LastLayerLaplace').next();
    const thetas = tf.tidy(() => tf.add(this.posterior.sampleDeltas(this.priorPrecision, samples, seed), this.theta));
    try {
      const [p] = this.batched(x, batchSize, 1, (a) => [tf.softmax(tf.matMul(tf.broadcastTo(a, [samples, ...a.shape]), thetas))]);
      return p as tf.Tensor3D;
    } finally {
      thetas.dispose();
    }
  }

  /**
   * The regression predictive as `tfp.predictive`'s Gaussian samples: without `samples`, the exact
   * Gaussian `loc = f̂`, `scale = √(var_f + σ²)` as [1, N, C]; with `samples: S`, S posterior draws
   * of the head (loc [S, N, C]) with scale σ, a mixture for `tfp.predictive.evaluateRegression`.
   *
   * @example
   * const {loc, scale} = la.predictDistribution(xTest);
   */
  predictDistribution(x: tf.Tensor, args: {samples?: number; seed?: number; batchSize?: number} = {}): GaussianSamples {
    const owner = 'LastLayerLaplace.predictDistribution';
    if (this.likelihood !== 'regression') {
      throw new ValueError(`${owner}: needs likelihood "regression"; this posterior is "${this.likelihood}" (use predict).`);
    }
    checkArgsObject(owner, args);
    checkKeys(owner, args, {own: ['samples', 'seed', 'batchSize']});
    const batchSize = checkPositiveInt('batchSize', args.batchSize, 256);
    const s2 = this.sigmaNoise ** 2;
    if (args.samples === undefined) {
      const [loc, scale] = this.batched(x, batchSize, 1, (a) => [tf.expandDims(tf.matMul(a, this.theta), 0),
        tf.expandDims(tf.sqrt(tf.add(tf.squeeze(this.posterior.logitVariance(a, [this.priorPrecision]), [0]), s2)), 0)]);
      return {loc: loc as tf.Tensor3D, scale: scale as tf.Tensor3D};
    }
    const samples = checkPositiveInt('samples', args.samples, 1);
    const seed = new SeedStream(checkSeed(owner, args.seed), 'LastLayerLaplace').next();
    const thetas = tf.tidy(() => tf.add(this.posterior.sampleDeltas(this.priorPrecision, samples, seed), this.theta));
    try {
      const [loc] = this.batched(x, batchSize, 1, (a) => [tf.matMul(tf.broadcastTo(a, [samples, ...a.shape]), thetas)]);
      const scale = tf.fill((loc as tf.Tensor).shape as [number, number, number], this.sigmaNoise) as tf.Tensor3D;
      return {loc: loc as tf.Tensor3D, scale};
    } finally {
      thetas.dispose();
    }
  }

  /** Frees the tensors of the posterior and the MAP head. */
  dispose(): void {
    this.posterior.dispose();
    this.theta.dispose();
  }
}

/**
 * MacKay's probit approximation of E[softmax(f)], f ~ N(mean, diag(variance)):
 * softmax(mean / √(1 + π/8·variance)). A first-order approximation for more than two classes (its
 * error grows as O(variance); docs/EXISTING_MODELS.md gives measured values).
 *
 * @example
 * const {mean, variance} = la.logitMoments(x);
 * const probs = tfp.laplace.probit(mean, variance);
 */
export function probit(mean: tf.Tensor, variance: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.softmax(tf.div(mean, tf.sqrt(tf.add(1, tf.mul(Math.PI / 8, variance))))));
}

/**
 * Fits a last-layer Laplace approximation to a trained model: the head (the model's final Dense
 * layer, weights + bias) gets the posterior N(θ*, (H + λI)⁻¹) with θ* its trained weights, H the
 * generalized Gauss–Newton of the training NLL (`Σ φφᵀ ⊗ (diag(p) − ppᵀ)` for a softmax head,
 * `Σ φφᵀ ⊗ I/σ²` for regression) in the chosen structure, accumulated in float64 over batches of
 * `data` — memory flat in N. Features φ are the head's inputs (a sub-model of `model`; its layers
 * are not changed). Returns the posterior with its probit / MC predictive.
 *
 * Typed errors (`ValueError`) name the problem: a head that is not Dense, not a classifier for
 * `'classification'` (activation other than softmax/linear, or one unit), non-linear for
 * `'regression'`, an empty dataset, labels out of range.
 *
 * Porting note: laplace-torch's default prior precision is 1 until `optimize_prior_precision` is
 * called; here the default is the marginal-likelihood maximiser, found exactly (1-D root in log λ
 * rather than Adam on log λ). Its `'kron'` for the last layer scales the factors as here
 * ((Σ aaᵀ) ⊗ (Σ Λ / N)). The GGN is computed in closed form, not through backpropagation.
 *
 * @example
 * const la = await tfp.laplace.fitLastLayerLaplace(trained, {x: xTrain, y: yTrain});
 * const probs = la.predict(xTest);            // [1, N, C], probit predictive
 * const ece = tfp.predictive.expectedCalibrationError(tf.squeeze(probs, [0]), yTest);
 * la.dispose();
 */
export async function fitLastLayerLaplace(model: tfl.LayersModel, data: LaplaceData | LaplaceDataset,
    args: FitLaplaceArgs = {}): Promise<LastLayerLaplace> {
  checkArgsObject(OWNER, args);
  checkKeys(OWNER, args, {own: ['likelihood', 'hessianStructure', 'priorPrecision', 'validation',
    'priorPrecisionGrid', 'sigmaNoise', 'batchSize']});
  const likelihood = args.likelihood ?? 'classification';
  if (likelihood !== 'classification' && likelihood !== 'regression') {
    throw new ValueError(`${OWNER}: likelihood must be one of "classification", "regression"; got ${fmt(args.likelihood)}.`);
  }
  const structureArg = args.hessianStructure ?? 'auto';
  if (!['auto', 'full', 'diagonal', 'kron'].includes(structureArg)) {
    throw new ValueError(`${OWNER}: hessianStructure must be one of "auto", "full", "diagonal", "kron"; got ${fmt(args.hessianStructure)}.`);
  }
  const prior = args.priorPrecision ?? 'marglik';
  if (prior !== 'marglik' && prior !== 'validation' && !(typeof prior === 'number' && prior > 0 && Number.isFinite(prior))) {
    throw new ValueError(`${OWNER}: priorPrecision must be a finite number > 0, "marglik" or "validation"; got ${fmt(args.priorPrecision)}.`);
  }
  if (prior === 'validation') checkData(OWNER, 'validation', args.validation);
  const grid = args.priorPrecisionGrid ?? DEFAULT_GRID;
  if (!Array.isArray(grid) || grid.length === 0 || grid.some((v) => !(typeof v === 'number' && v > 0 && Number.isFinite(v)))) {
    throw new ValueError(`${OWNER}: priorPrecisionGrid must be a non-empty array of finite numbers > 0; got ${fmt(args.priorPrecisionGrid)}.`);
  }
  if (args.sigmaNoise !== undefined && !(typeof args.sigmaNoise === 'number' && args.sigmaNoise > 0 && Number.isFinite(args.sigmaNoise))) {
    throw new ValueError(`${OWNER}: sigmaNoise must be a finite number > 0; got ${fmt(args.sigmaNoise)}.`);
  }
  if (likelihood === 'classification' && args.sigmaNoise !== undefined) {
    throw new ValueError(`${OWNER}: sigmaNoise is for likelihood "regression" only; got ${fmt(args.sigmaNoise)}.`);
  }
  const batchSize = checkPositiveInt('batchSize', args.batchSize, 256);
  checkData(OWNER, 'data', data);
  const head = headOf(model, likelihood);
  const d = (head.kernel.shape[0] as number) + (head.bias === null ? 0 : 1);
  const c = head.kernel.shape[1] as number;
  const structure: HessianStructure = structureArg === 'auto' ? (d * c <= AUTO_FULL_MAX_PARAMS ? 'full' : 'kron') : structureArg;
  const acc = new CurvatureAccumulator(structure, d, c, likelihood === 'regression');
  const theta = tf.tidy(() => (head.bias === null ? tf.clone(head.kernel) :
      tf.concat([head.kernel, tf.reshape(head.bias, [1, -1])], 0)));
  let logLik = 0;
  let sse = 0;
  try {
    const features = (x: tf.Tensor): tf.Tensor2D => tf.tidy(() => {
      const f = tf.cast(head.features(x), 'float32') as tf.Tensor2D;
      return head.bias === null ? f : tf.concat([f, tf.ones([f.shape[0], 1])], 1) as tf.Tensor2D;
    });
    await forEachBatch(data, batchSize, (x, y) => {
      const [a, out] = tf.tidy(() => {
        const ab = features(x);
        const f = tf.matMul(ab, theta);
        return [ab, likelihood === 'classification' ? tf.softmax(f) : f];
      }) as [tf.Tensor2D, tf.Tensor2D];
      try {
        const b = a.shape[0];
        const av = a.dataSync();
        const ov = out.dataSync();
        if (likelihood === 'classification') {
          const labels = labelsOf(y, c);
          if (labels.length !== b) throw new ValueError(`${OWNER}: got ${labels.length} labels for ${b} examples.`);
          for (let n = 0; n < b; n++) logLik += Math.log(Math.max(ov[n * c + (labels[n] as number)] as number, 1e-300));
          acc.add(av, ov, b);
        } else {
          const yv = y.dataSync();
          if (yv.length !== b * c) {
            throw new ValueError(`${OWNER}: regression targets must be [N, ${c}] (or [N] for one output); got ${fmt(y.shape)}.`);
          }
          for (let k = 0; k < b * c; k++) sse += ((yv[k] as number) - (ov[k] as number)) ** 2;
          acc.add(av, null, b);
        }
      } finally {
        tf.dispose([a, out]);
      }
    });
    if (acc.count === 0) throw new ValueError(`${OWNER}: data is empty (0 examples).`);
    const n = acc.count;
    const sigma = likelihood === 'regression' ? (args.sigmaNoise ?? Math.sqrt(sse / (n * c))) : 1;
    if (likelihood === 'regression') {
      if (!(sigma > 0)) {
        throw new ValueError(`${OWNER}: the training residuals are all 0, so the maximum-likelihood sigmaNoise is 0; pass sigmaNoise.`);
      }
      logLik = -0.5 * n * c * Math.log(2 * Math.PI * sigma * sigma) - sse / (2 * sigma * sigma);
    }
    const posterior = acc.finish(sigma * sigma);
    const thetaSquaredNorm = tf.tidy(() => tf.sum(tf.square(theta)).dataSync()[0] as number);
    const terms: EvidenceTerms = {eigenvalues: posterior.eigenvalues, thetaSquaredNorm, logLikelihood: logLik};
    const lambda0 = typeof prior === 'number' ? prior : maximizeEvidence(terms);
    const la = new LastLayerLaplace(likelihood, head, posterior, terms, n, sigma, lambda0);
    if (prior === 'validation') {
      try {
        la.setPriorPrecision(validationBest(la, posterior, theta, args.validation as LaplaceData, grid, batchSize));
      } catch (e) {
        la.dispose();
        throw e;
      }
    }
    return la;
  } finally {
    theta.dispose();
  }
}

/** The grid λ with the lowest mean NLL of the probit (or Gaussian) predictive on `validation`. */
function validationBest(la: LastLayerLaplace, posterior: PosteriorStructure, theta: tf.Tensor, validation: LaplaceData,
    grid: readonly number[], batchSize: number): number {
  const c = posterior.c;
  const nll = new Float64Array(grid.length);
  const s2 = la.sigmaNoise ** 2;
  const n = validation.x.shape[0] as number;
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const yb = tf.tidy(() => sliceRows(validation.y, start, size));
    const per = tf.tidy(() => {
      const a = la.headInputs(sliceRows(validation.x, start, size));
      const f = tf.matMul(a, theta);
      const v = posterior.logitVariance(a, grid);   // [G, B, C]
      if (la.likelihood === 'classification') {
        const kappa = tf.rsqrt(tf.add(1, tf.mul(Math.PI / 8, v)));
        return tf.logSoftmax(tf.mul(kappa, f));   // [G, B, C]
      }
      const variance = tf.add(v, s2);
      const r2 = tf.square(tf.sub(tf.reshape(yb, [size, c]), f));
      return tf.neg(tf.mul(0.5, tf.add(tf.log(tf.mul(2 * Math.PI, variance)), tf.div(r2, variance))));
    });
    try {
      const lp = per.dataSync();
      if (la.likelihood === 'classification') {
        const labels = labelsOf(yb, c);
        for (let g = 0; g < grid.length; g++) {
          for (let i = 0; i < size; i++) nll[g]! -= lp[(g * size + i) * c + (labels[i] as number)] as number;
        }
      } else {
        for (let g = 0; g < grid.length; g++) for (let k = 0; k < size * c; k++) nll[g]! -= lp[g * size * c + k] as number;
      }
    } finally {
      tf.dispose([per, yb]);
    }
  }
  let best = 0;
  for (let g = 1; g < grid.length; g++) if ((nll[g] as number) < (nll[best] as number)) best = g;
  return grid[best] as number;
}
