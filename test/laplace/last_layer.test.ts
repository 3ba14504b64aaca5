// tfp.laplace.fitLastLayerLaplace on a toy linear-softmax head: the GGN equals a float64
// finite-difference Hessian of the NLL computed here; the marginal likelihood equals its closed form
// and λ is its maximum; the predictive variance is J (H + λI)⁻¹ Jᵀ; MC matches sampling from that
// Gaussian and probit matches MC at k·SE; regression is exact Bayesian linear regression; the
// diagonal and KFAC structures equal their definitions; memory flat; typed errors.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {expectTypedError} from '../helpers/typed_error.js';
import {testSeed} from '../helpers/oracles.js';

const N = 40;
const C = 3;
const HIDDEN = 4;
const D = HIDDEN + 1;
const P = D * C;

function classifier(seed: number, activation: 'softmax' | 'linear' = 'softmax'): tf.LayersModel {
  const inp = tf.input({shape: [3]});
  const feat = tf.layers.dense({units: HIDDEN, activation: 'tanh', name: 'feat',
    kernelInitializer: tf.initializers.glorotNormal({seed})}).apply(inp) as tf.SymbolicTensor;
  const out = tf.layers.dense({units: C, activation, name: 'head',
    kernelInitializer: tf.initializers.glorotNormal({seed: seed + 1}),
    biasInitializer: tf.initializers.randomNormal({mean: 0, stddev: 0.5, seed: seed + 2})}).apply(feat) as tf.SymbolicTensor;
  return tf.model({inputs: inp, outputs: out});
}

/** The head's inputs a = [φ; 1] in float64, from tfjs's own sub-model (not the code under test). */
function headInputs(m: tf.LayersModel, x: tf.Tensor): Float64Array[] {
  const sub = tf.model({inputs: m.inputs, outputs: m.getLayer('feat').output as tf.SymbolicTensor});
  const phi = (sub.predict(x) as tf.Tensor).arraySync() as number[][];
  return phi.map((row) => Float64Array.from([...row, 1]));
}

function headTheta(m: tf.LayersModel): Float64Array {
  const [w, b] = m.getLayer('head').getWeights() as [tf.Tensor, tf.Tensor];
  return Float64Array.from([...w.dataSync(), ...b.dataSync()]);
}

function logits(a: Float64Array, theta: Float64Array): number[] {
  return Array.from({length: C}, (_, c) => a.reduce((s, ai, i) => s + ai * (theta[i * C + c] as number), 0));
}

function softmax(f: number[]): number[] {
  const mx = Math.max(...f);
  const e = f.map((v) => Math.exp(v - mx));
  const z = e.reduce((s, v) => s + v, 0);
  return e.map((v) => v / z);
}

/** −Σ_n log softmax(Θᵀa_n)[y_n] in float64. */
function nll(as: Float64Array[], ys: number[], theta: Float64Array): number {
  return as.reduce((s, a, n) => {
    const f = logits(a, theta);
    const mx = Math.max(...f);
    const lse = mx + Math.log(f.reduce((t, v) => t + Math.exp(v - mx), 0));
    return s + lse - (f[ys[n] as number] as number);
  }, 0);
}

/** Central second differences of `nll` (step h), float64: the oracle Hessian. */
function finiteDifferenceHessian(as: Float64Array[], ys: number[], theta: Float64Array, h = 1e-3): Float64Array {
  const H = new Float64Array(P * P);
  const at = (i: number, si: number, j: number, sj: number): number => {
    const t = Float64Array.from(theta);
    t[i]! += si * h;
    t[j]! += sj * h;
    return nll(as, ys, t);
  };
  for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) {
    H[i * P + j] = (at(i, 1, j, 1) - at(i, 1, j, -1) - at(i, -1, j, 1) + at(i, -1, j, -1)) / (4 * h * h);
  }
  return H;
}

/** Gauss–Jordan inverse in float64 (the test's own, independent of tfp.laplace.linalg). */
function inverse(a: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col] as number) > Math.abs(m[piv * n + col] as number)) piv = r;
    for (const arr of [m, inv]) for (let k = 0; k < n; k++) {
      const t = arr[col * n + k] as number;
      arr[col * n + k] = arr[piv * n + k] as number;
      arr[piv * n + k] = t;
    }
    const d = m[col * n + col] as number;
    for (let k = 0; k < n; k++) { m[col * n + k]! /= d; inv[col * n + k]! /= d; }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r * n + col] as number;
      for (let k = 0; k < n; k++) { m[r * n + k]! -= f * (m[col * n + k] as number); inv[r * n + k]! -= f * (inv[col * n + k] as number); }
    }
  }
  return inv;
}

function logDet(a: Float64Array, n: number): number {
  // LU without pivoting on an SPD matrix: det = Π pivots.
  const m = Float64Array.from(a);
  let s = 0;
  for (let k = 0; k < n; k++) {
    const p = m[k * n + k] as number;
    s += Math.log(p);
    for (let r = k + 1; r < n; r++) {
      const f = (m[r * n + k] as number) / p;
      for (let c = k; c < n; c++) m[r * n + c]! -= f * (m[k * n + c] as number);
    }
  }
  return s;
}

function plusLambda(h: Float64Array, lambda: number): Float64Array {
  const out = Float64Array.from(h);
  for (let i = 0; i < P; i++) out[i * P + i]! += lambda;
  return out;
}

/** Σ_f = J Σ_θ Jᵀ for one example (J = aᵀ ⊗ I_C): [C, C]. */
function logitCovariance(a: Float64Array, sigmaTheta: Float64Array): number[][] {
  return Array.from({length: C}, (_, c) => Array.from({length: C}, (_, e) => {
    let s = 0;
    for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) s += (a[i] as number) * (a[j] as number) * (sigmaTheta[(i * C + c) * P + j * C + e] as number);
    return s;
  }));
}

/** A seeded standard-normal generator (Box–Muller on an LCG). */
function gaussians(seed: number): () => number {
  let s = seed >>> 0;
  const u = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s + 0.5) / 4294967296; };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

describe('fitLastLayerLaplace (classification)', () => {
  const seed = testSeed();
  const model = classifier(seed);
  const x = tf.randomNormal([N, 3], 0, 1, 'float32', seed + 3);
  const yTensor = tf.randomUniform([N], 0, C, 'int32', seed + 4);
  const ys = Array.from(yTensor.dataSync());
  const as = headInputs(model, x);
  const theta = headTheta(model);
  const hFd = finiteDifferenceHessian(as, ys, theta);

  it('full GGN equals the float64 finite-difference Hessian of the NLL (linear-softmax head: GGN = Hessian)', async () => {
    const la = await tfp.laplace.fitLastLayerLaplace(model, {x, y: yTensor}, {hessianStructure: 'full', batchSize: 16});
    expect(la.hessianStructure).toBe('full');
    expect(la.numParams).toBe(P);
    const h = la.hessianMatrix();
    const scale = Math.max(...Array.from(hFd, Math.abs));
    // Float32 features and probabilities in the GGN, O(h²) and round-off in the differences: 1e-5 relative.
    for (let k = 0; k < P * P; k++) expect(Math.abs((h[k] as number) - (hFd[k] as number))).toBeLessThan(1e-5 * scale);
    la.dispose();
  });

  it('one-hot labels, a logits head and a tf.data.Dataset of batches give the same GGN', async () => {
    const ref = await tfp.laplace.fitLastLayerLaplace(model, {x, y: yTensor});
    const logitsModel = classifier(seed, 'linear');
    logitsModel.setWeights(model.getWeights());
    const oneHot = tf.oneHot(yTensor, C);
    const ds = tf.data.zip({xs: tf.data.array(tf.unstack(x)), ys: tf.data.array(tf.unstack(oneHot))}).batch(7);
    const la = await tfp.laplace.fitLastLayerLaplace(logitsModel, ds as unknown as tfp.laplace.LaplaceDataset);
    const [a, b] = [ref.hessianMatrix(), la.hessianMatrix()];
    for (let k = 0; k < P * P; k++) expect(Math.abs((a[k] as number) - (b[k] as number))).toBeLessThan(1e-5);
    expect(la.numExamples).toBe(N);
    ref.dispose();
    la.dispose();
  });

  it('marginal likelihood equals its closed form and the fitted λ is its maximum (neighbours ×/÷ 1.05 lower)', async () => {
    const la = await tfp.laplace.fitLastLayerLaplace(model, {x, y: yTensor});
    const lam = la.priorPrecision;
    // log p(D|λ) = −NLL(θ*) − λ/2‖θ*‖² + P/2 log λ − ½ log det(H + λI), H from finite differences.
    const closed = (l: number): number => -nll(as, ys, theta) - 0.5 * l * theta.reduce((s, v) => s + v * v, 0) +
        0.5 * P * Math.log(l) - 0.5 * logDet(plusLambda(hFd, l), P);
    for (const l of [0.1, 1, lam, 10]) expect(la.logMarginalLikelihood(l)).toBeCloseTo(closed(l), 3);
    expect(la.logMarginalLikelihood(lam)).toBeGreaterThan(la.logMarginalLikelihood(lam * 1.05));
    expect(la.logMarginalLikelihood(lam)).toBeGreaterThan(la.logMarginalLikelihood(lam / 1.05));
    // And of the closed form too (an independent check of the maximiser).
    expect(closed(lam)).toBeGreaterThan(closed(lam * 1.05));
    expect(closed(lam)).toBeGreaterThan(closed(lam / 1.05));
    la.dispose();
  });

  it('logit variance = diag(J (H + λI)⁻¹ Jᵀ) with the finite-difference H and the test\'s own inverse', async () => {
    const la = await tfp.laplace.fitLastLayerLaplace(model, {x, y: yTensor}, {priorPrecision: 0.7});
    const sigma = inverse(plusLambda(hFd, 0.7), P);
    const {mean, variance} = la.logitMoments(x);
    const mv = mean.arraySync();
    const vv = variance.arraySync();
    as.forEach((a, n) => {
      const cov = logitCovariance(a, sigma);
      const f = logits(a, theta);
      for (let c = 0; c < C; c++) {
        expect(mv[n]![c]).toBeCloseTo(f[c] as number, 5);
        expect(Math.abs((vv[n]![c] as number) - (cov[c]![c] as number))).toBeLessThan(1e-4 * (cov[c]![c] as number) + 1e-6);
      }
    });
    tf.dispose([mean, variance]);
    la.dispose();
  });

  // MacKay's multi-class probit softmax(f̂ / √(1 + π/8·v)) is a first-order approximation: its error
  // grows as O(v) (measured on this toy: 0.027·v_max to 0.071·v_max for λ from 2.3 to 1e4), so it
  // matches MC within k·SE only where v is small, and within 5·SE + 0.1·v_max everywhere.
  it('MC predictive matches sampling the logits from N(f̂, J Σ Jᵀ) here (5 SE); probit matches MC of N(f̂, diag v) within 5 SE + 0.1·max v', async () => {
    const la = await tfp.laplace.fitLastLayerLaplace(model, {x, y: yTensor});
    const lam = la.priorPrecision;
    const sigma = inverse(plusLambda(hFd, lam), P);
    const xs = tf.slice(x, [0, 0], [6, 3]);
    const S = 20000;
    const mc = la.predict(xs, {method: 'mc', samples: S, seed: 5});
    expect(mc.shape).toEqual([S, 6, C]);
    const ours = tf.tidy(() => tf.mean(mc, 0).arraySync() as number[][]);
    const oursSe = tf.tidy(() => tf.div(tf.sqrt(tf.moments(mc, 0).variance), Math.sqrt(S)).arraySync() as number[][]);
    const probit = tf.tidy(() => tf.squeeze(la.predict(xs), [0]).arraySync() as number[][]);
    const z = gaussians(seed);
    for (let n = 0; n < 6; n++) {
      const a = as[n] as Float64Array;
      const f = logits(a, theta);
      const cov = logitCovariance(a, sigma);
      // Cholesky of the 3×3 covariance, by hand.
      const l = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
      for (let j = 0; j < C; j++) {
        let dd = cov[j]![j] as number;
        for (let k = 0; k < j; k++) dd -= l[j]![k]! ** 2;
        l[j]![j] = Math.sqrt(dd);
        for (let i = j + 1; i < C; i++) {
          let s = cov[i]![j] as number;
          for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!;
          l[i]![j] = s / l[j]![j]!;
        }
      }
      const full = [0, 0, 0];
      const diag = [0, 0, 0];
      const diagSq = [0, 0, 0];
      for (let s = 0; s < S; s++) {
        const e = [z(), z(), z()];
        const pf = softmax(f.map((v, i) => v + (l[i] as number[]).reduce((t, lik, k) => t + lik * (e[k] as number), 0)));
        const pd = softmax(f.map((v, i) => v + Math.sqrt(cov[i]![i] as number) * (e[i] as number)));
        for (let c = 0; c < C; c++) { full[c]! += (pf[c] as number) / S; diag[c]! += (pd[c] as number) / S; diagSq[c]! += (pd[c] as number) ** 2 / S; }
      }
      for (let c = 0; c < C; c++) {
        const se = oursSe[n]![c] as number;
        expect(Math.abs((ours[n]![c] as number) - (full[c] as number))).toBeLessThan(5 * Math.SQRT2 * se + 1e-6);
        const seDiag = Math.sqrt(((diagSq[c] as number) - (diag[c] as number) ** 2) / S);
        const vMax = Math.max(...cov.map((row, i) => row[i] as number));
        expect(Math.abs((probit[n]![c] as number) - (diag[c] as number))).toBeLessThan(5 * seDiag + 0.1 * vMax);
      }
    }
    mc.dispose();
    la.dispose();
  });

  it('with small logit variance (λ = 1000, v ≤ 5e-3) probit matches the MC predictive within 5 SE, no allowance', async () => {
    const la = await tfp.laplace.fitLastLayerLaplace(model, {x, y: yTensor}, {priorPrecision: 1000, hessianStructure: 'diagonal'});
    const S = 20000;
    const xs = tf.slice(x, [0, 0], [12, 3]);
    const mc = la.predict(xs, {method: 'mc', samples: S, seed: 9});
    const gapOverSe = tf.tidy(() => {
      const se = tf.div(tf.sqrt(tf.moments(mc, 0).variance), Math.sqrt(S));
      return tf.max(tf.div(tf.abs(tf.sub(tf.squeeze(la.predict(xs), [0]), tf.mean(mc, 0))), tf.add(se, 1e-9))).dataSync()[0] as number;
    });
    expect(gapOverSe).toBeLessThan(5);
    mc.dispose();
    la.dispose();
  });

  it('diagonal structure = the diagonal of the full GGN; kron = (Σ aaᵀ) ⊗ (Σ Λ / N) computed here', async () => {
    const full = await tfp.laplace.fitLastLayerLaplace(model, {x, y: yTensor}, {hessianStructure: 'full'});
    const diag = await tfp.laplace.fitLastLayerLaplace(model, {x, y: yTensor}, {hessianStructure: 'diagonal'});
    const kron = await tfp.laplace.fitLastLayerLaplace(model, {x, y: yTensor}, {hessianStructure: 'kron'});
    const hf = full.hessianMatrix();
    const hd = diag.hessianMatrix();
    for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) {
      expect(Math.abs((hd[i * P + j] as number) - (i === j ? hf[i * P + j] as number : 0))).toBeLessThan(1e-6);
    }
    const A = new Float64Array(D * D);
    const G = new Float64Array(C * C);
    as.forEach((a) => {
      const p = softmax(logits(a, theta));
      for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) A[i * D + j]! += (a[i] as number) * (a[j] as number);
      for (let c = 0; c < C; c++) for (let e = 0; e < C; e++) G[c * C + e]! += ((c === e ? p[c] as number : 0) - (p[c] as number) * (p[e] as number)) / N;
    });
    const hk = kron.hessianMatrix();
    for (let i = 0; i < D; i++) for (let c = 0; c < C; c++) for (let j = 0; j < D; j++) for (let e = 0; e < C; e++) {
      const want = (A[i * D + j] as number) * (G[c * C + e] as number);
      expect(Math.abs((hk[(i * C + c) * P + j * C + e] as number) - want)).toBeLessThan(1e-5);
    }
    // Each structure's λ maximises its own marginal likelihood.
    for (const la of [diag, kron]) {
      const l = la.priorPrecision;
      expect(la.logMarginalLikelihood(l)).toBeGreaterThan(la.logMarginalLikelihood(l * 1.05));
      expect(la.logMarginalLikelihood(l)).toBeGreaterThan(la.logMarginalLikelihood(l / 1.05));
    }
    [full, diag, kron].forEach((la) => la.dispose());
  });

  it('priorPrecision "validation" picks the grid value with the lowest validation NLL of the probit predictive', async () => {
    const grid = [0.01, 0.3, 3, 30, 300];
    const la = await tfp.laplace.fitLastLayerLaplace(model, {x, y: yTensor},
        {priorPrecision: 'validation', validation: {x, y: yTensor}, priorPrecisionGrid: grid});
    const nllAt = (l: number): number => {
      la.setPriorPrecision(l);
      return tf.tidy(() => -tfp.predictive.heldOutLogLikelihood(tf.squeeze(la.predict(x), [0]), yTensor));
    };
    const chosen = grid.find((l) => Math.abs(l - la.priorPrecision) < 1e-12) as number;
    expect(chosen).toBeDefined();
    const best = nllAt(chosen);
    for (const l of grid) expect(best).toBeLessThanOrEqual(nllAt(l) + 1e-6);
    la.dispose();
  });

  it('predict gives [S, N, C] for the tfp.predictive metrics (summarize, accuracy, ECE, Brier)', async () => {
    const la = await tfp.laplace.fitLastLayerLaplace(model, {x, y: yTensor});
    const probs = la.predict(x, {method: 'mc', samples: 10, seed: 1});
    const summary = tfp.predictive.summarize(probs);
    expect(summary.mean.shape).toEqual([N, C]);
    const acc = tfp.predictive.accuracy(summary.mean, yTensor);
    expect(acc).toBeGreaterThanOrEqual(0);
    expect(tfp.predictive.expectedCalibrationError(summary.mean, yTensor)).toBeGreaterThanOrEqual(0);
    expect(tfp.predictive.brierScore(summary.mean, yTensor)).toBeGreaterThan(0);
    tfp.predictive.disposeSummary(summary);
    probs.dispose();
    la.dispose();
  });

  it('memory is flat: fit + predict (probit and MC) + dispose leave no tensor; repeated predicts do not grow', async () => {
    const before = tf.memory().numTensors;
    for (const structure of ['full', 'diagonal', 'kron'] as const) {
      const la = await tfp.laplace.fitLastLayerLaplace(model, {x, y: yTensor}, {hessianStructure: structure, batchSize: 8});
      const held = tf.memory().numTensors;
      for (let r = 0; r < 3; r++) {
        tf.dispose([la.predict(x, {batchSize: 16}), la.predict(x, {method: 'mc', samples: 4, batchSize: 16})]);
        const {mean, variance} = la.logitMoments(x);
        tf.dispose([mean, variance]);
        expect(tf.memory().numTensors).toBe(held);
      }
      la.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('fitLastLayerLaplace (regression)', () => {
  it('is exact Bayesian linear regression: σ = RMS residual, predictive var = x̃ᵀ(X̃ᵀX̃/σ² + λI)⁻¹x̃ + σ²', async () => {
    const n = 30;
    const model = tf.sequential({layers: [tf.layers.dense({inputShape: [2], units: 2, name: 'lin'})]});
    model.setWeights([tf.tensor2d([[1, -0.5], [0.3, 2]]), tf.tensor1d([0.2, -0.1])]);
    const x = tf.randomNormal([n, 2], 0, 1, 'float32', 11);
    const y = tf.tidy(() => tf.add(model.predict(x) as tf.Tensor, tf.randomNormal([n, 2], 0, 0.3, 'float32', 12)));
    const la = await tfp.laplace.fitLastLayerLaplace(model, {x, y}, {likelihood: 'regression', priorPrecision: 2});
    const xv = x.arraySync() as number[][];
    const f = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    const yv = y.arraySync() as number[][];
    const rms = Math.sqrt(yv.flat().reduce((s, v, k) => s + (v - (f.flat()[k] as number)) ** 2, 0) / (2 * n));
    expect(la.sigmaNoise).toBeCloseTo(rms, 5);
    // Per output: precision X̃ᵀX̃/σ² + λI on [x, 1] (3 × 3).
    const prec = new Float64Array(9);
    xv.forEach((r) => { const a = [...r, 1]; for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) prec[i * 3 + j]! += (a[i] as number) * (a[j] as number) / rms ** 2; });
    for (let i = 0; i < 3; i++) prec[i * 3 + i]! += 2;
    const cov = inverse(prec, 3);
    const {loc, scale} = la.predictDistribution(x);
    expect(loc.shape).toEqual([1, n, 2]);
    const sv = scale.arraySync()[0] as number[][];
    xv.forEach((r, k) => {
      const a = [...r, 1];
      let v = 0;
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) v += (a[i] as number) * (a[j] as number) * (cov[i * 3 + j] as number);
      for (let o = 0; o < 2; o++) expect((sv[k]![o] as number) ** 2).toBeCloseTo(v + rms ** 2, 5);
    });
    const draws = la.predictDistribution(x, {samples: 5, seed: 1});
    expect(draws.loc.shape).toEqual([5, n, 2]);
    const summary = await tfp.predictive.evaluateRegression({loc, scale}, y);
    expect(Number.isFinite(summary.logLikelihood)).toBe(true);
    tf.dispose([loc, scale, draws.loc, draws.scale]);
    la.dispose();
  });
});

describe('fitLastLayerLaplace refusals', () => {
  const x = tf.ones([4, 3]);
  const y = tf.tensor1d([0, 1, 2, 0], 'int32');
  const seqHead = (last: tf.layers.Layer): tf.Sequential =>
    tf.sequential({layers: [tf.layers.dense({inputShape: [3], units: 3, name: 'body'}), last]});
  const cases: Array<{what: string; provoke: () => Promise<unknown>; message: RegExp}> = [
    {what: 'an empty dataset', provoke: () => tfp.laplace.fitLastLayerLaplace(classifier(1), {x: tf.zeros([0, 3]), y: tf.zeros([0], 'int32')}),
      message: /data is empty \(0 examples\)/},
    {what: 'an empty tf.data.Dataset', provoke: () => tfp.laplace.fitLastLayerLaplace(classifier(1),
        tf.data.array<tf.TensorContainer>([]) as unknown as tfp.laplace.LaplaceDataset), message: /data is empty \(0 examples\)/},
    {what: 'a head that is not Dense', provoke: () => tfp.laplace.fitLastLayerLaplace(
        seqHead(tf.layers.activation({activation: 'softmax', name: 'act'})), {x, y}),
    message: /last layer must be a Dense layer; got layer "act" \(Activation\)/},
    {what: 'a Bayesian head', provoke: () => tfp.laplace.fitLastLayerLaplace(seqHead(tfp.layers.denseFlipout({units: 3, name: 'bay'})), {x, y}),
      message: /must be a Dense layer; got layer "bay" \(DenseFlipout\)/},
    {what: 'a sigmoid head for classification', provoke: () => tfp.laplace.fitLastLayerLaplace(
        seqHead(tf.layers.dense({units: 3, activation: 'sigmoid', name: 'sig'})), {x, y}),
    message: /classification" needs a softmax or linear \(logits\) head; the head, layer "sig" \(Dense\) has activation "sigmoid"/},
    {what: 'a one-unit head for classification', provoke: () => tfp.laplace.fitLastLayerLaplace(
        seqHead(tf.layers.dense({units: 1, name: 'one'})), {x, y}), message: /≥ 2 units.*layer "one" \(Dense\) has 1/},
    {what: 'a softmax head for regression', provoke: () => tfp.laplace.fitLastLayerLaplace(classifier(1), {x, y: tf.ones([4, 3])},
        {likelihood: 'regression'}), message: /regression" needs a linear head; the head, layer "head" \(Dense\) has activation "softmax"/},
    {what: 'labels out of range', provoke: () => tfp.laplace.fitLastLayerLaplace(classifier(1), {x, y: tf.tensor1d([0, 1, 3, 0], 'int32')}),
      message: /labels must be integers in \[0, 3\); got 3/},
    {what: 'x and y of different lengths', provoke: () => tfp.laplace.fitLastLayerLaplace(classifier(1), {x, y: tf.tensor1d([0, 1], 'int32')}),
      message: /same number of examples; got \[4,3\] and \[2\]/},
    {what: 'a bad structure', provoke: () => tfp.laplace.fitLastLayerLaplace(classifier(1), {x, y}, {hessianStructure: 'kfac' as 'kron'}),
      message: /hessianStructure must be one of "auto", "full", "diagonal", "kron"; got "kfac"/},
    {what: 'validation without data', provoke: () => tfp.laplace.fitLastLayerLaplace(classifier(1), {x, y}, {priorPrecision: 'validation'}),
      message: /validation must be \{x, y\}/},
    {what: 'a bad prior precision', provoke: () => tfp.laplace.fitLastLayerLaplace(classifier(1), {x, y}, {priorPrecision: -1}),
      message: /priorPrecision must be a finite number > 0, "marglik" or "validation"; got -1/},
    {what: 'not a model', provoke: () => tfp.laplace.fitLastLayerLaplace({} as tf.LayersModel, {x, y}),
      message: /model must be a tf.LayersModel/},
  ];
  for (const bad of cases) {
    it(`refuses ${bad.what}`, async () => {
      let error: unknown;
      try {
        await bad.provoke();
      } catch (e) {
        error = e;
      }
      expect(error, `${bad.what} did not throw`).toBeInstanceOf(Error);
      expect((error as Error).name).toBe('ValueError');
      expect((error as Error).message).toMatch(bad.message);
    });
  }
  it('refuses predict on a regression posterior and predictDistribution on a classifier', async () => {
    const la = await tfp.laplace.fitLastLayerLaplace(classifier(1), {x, y});
    expectTypedError({what: 'predictDistribution', provoke: () => la.predictDistribution(x), message: /needs likelihood "regression"/}, 4);
    expectTypedError({what: 'bad method', provoke: () => la.predict(x, {method: 'laplace' as 'mc'}), message: /method must be one of "probit", "mc"; got "laplace"/}, 4);
    la.dispose();
  });
});
