// VariationalGaussianProcess: KL and SVGP predictive moments against float64 references written
// here (matrix inverse and determinant, not Cholesky), a 1-D regression toy with model.fit and
// negLogLik, save/load, bad input, flat tensors.
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {distributionOf, negLogLik} from '../../src/layers/distribution_layer.js';
import {VariationalGaussianProcess, variationalGaussianProcess, vgpExpectedNegLogLik} from '../../src/layers/variational_gp.js';
import {ValueError} from '../../src/util/errors.js';

import {expectClose} from '../helpers/oracles.js';

type Mat = number[][];
const softplus = (v: number): number => Math.log1p(Math.exp(v));
const mul = (a: Mat, b: Mat): Mat => a.map((r) => b[0]!.map((_, j) => r.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const tr = (a: Mat): Mat => a[0]!.map((_, j) => a.map((r) => r[j]!));
// Gauss-Jordan inverse and determinant with partial pivoting, float64.
function invDet(a: Mat): {inv: Mat; det: number} {
  const n = a.length;
  const m = a.map((r, i) => [...r, ...r.map((_, j) => (i === j ? 1 : 0))]);
  let det = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    if (p !== c) { [m[p], m[c]] = [m[c]!, m[p]!]; det = -det; }
    const piv = m[c]![c]!;
    det *= piv;
    m[c] = m[c]!.map((v) => v / piv);
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]!;
      m[r] = m[r]!.map((v, j) => v - f * m[c]![j]!);
    }
  }
  return {inv: m.map((r) => r.slice(n)), det};
}
const eqK = (a: number[], b: number[], amp: number, ls: number): number =>
  amp * amp * Math.exp(-0.5 * a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0) / (ls * ls));

// Fixed parameters: M = 3 inducing points in 1-D.
const Z = [[-1], [0.2], [1.1]];
const LOC = [0.5, -0.3, 0.8];
const S = [[0.6, 0, 0], [0.1, 0.4, 0], [-0.2, 0.3, 0.5]];
const U_AMP = 0.4;
const U_LEN = -0.2;
const U_NOISE = -1.5;
const MEAN = 0.25;
const JITTER = 1e-6;
const AMP = softplus(U_AMP);
const LEN = softplus(U_LEN);

function fixedLayer(kernel?: 'ExponentiatedQuadratic' | 'MaternFiveHalves'): VariationalGaussianProcess {
  const layer = variationalGaussianProcess({numInducingPoints: 3, kernel, convertToTensorFn: 'mean', jitter: JITTER});
  layer.apply(tf.zeros([1, 1]));
  // Weight order: inducing points, loc, scale, amplitude, length scale, noise, mean.
  layer.setWeights([tf.tensor2d(Z), tf.tensor1d(LOC), tf.tensor2d(S), tf.scalar(U_AMP), tf.scalar(U_LEN),
    tf.scalar(U_NOISE), tf.scalar(MEAN)]);
  return layer;
}
const kzz = (): Mat => Z.map((a, i) => Z.map((b, j) => eqK(a, b, AMP, LEN) + (i === j ? JITTER : 0)));

describe('VariationalGaussianProcess', () => {
  it('kl() equals the closed-form KL(N(m, S Sᵀ) ‖ N(0, K_zz)) in float64', () => {
    const layer = fixedLayer();
    const {inv, det} = invDet(kzz());
    const sigma = mul(S, tr(S));
    const detS = invDet(sigma).det;
    const trace = mul(inv, sigma).reduce((s, r, i) => s + r[i]!, 0);
    const quad = mul(mul([LOC], inv), tr([LOC]))[0]![0]!;
    const kl = 0.5 * (trace + quad - 3 + Math.log(det) - Math.log(detS));
    expectClose(layer.kl(), [kl], 1e-4);
  });

  it('the KL term is added once as a layer loss, times klWeight', () => {
    const layer = fixedLayer();
    const base = layer.kl().dataSync()[0]!;
    layer.klWeight = 0.1;
    expect(layer.losses.length).toBe(1);
    expectClose(layer.losses[0]!(), [0.1 * base], 1e-5);
  });

  it('predictive mean and stddev equal the SVGP formulas in float64 (noise included)', () => {
    const layer = fixedLayer();
    const xs = [[-2], [0], [0.7], [3]];
    const {inv} = invDet(kzz());
    const kxz = xs.map((a) => Z.map((b) => eqK(a, b, AMP, LEN)));
    const aT = mul(kxz, inv);                                   // K_xz K_zz⁻¹
    const mean = mul(aT, tr([LOC])).map((r) => r[0]! + MEAN);
    const q = mul(aT, tr(kxz));
    const e = mul(mul(aT, mul(S, tr(S))), tr(aT));
    const noise = softplus(U_NOISE);
    const sd = xs.map((_, i) => Math.sqrt(AMP * AMP - q[i]![i]! + e[i]![i]! + noise));
    const out = layer.apply(tf.tensor2d(xs)) as tf.Tensor;
    expect(out.shape).toEqual([4, 1]);
    expectClose(out, mean.map((v) => [v]), 1e-4);
    const d = distributionOf(out)!;
    expectClose(d.stddev(), sd.map((v) => [v]), 1e-4);
  });

  it('vgpExpectedNegLogLik equals ½ log(2π·noise) + ((y − μ)² + σ²_f) / (2·noise) in float64', () => {
    const layer = fixedLayer();
    const xs = [[-0.4], [0.9]];
    const ys = [0.3, -0.2];
    const {inv} = invDet(kzz());
    const kxz = xs.map((a) => Z.map((b) => eqK(a, b, AMP, LEN)));
    const aT = mul(kxz, inv);
    const mean = mul(aT, tr([LOC])).map((r) => r[0]! + MEAN);
    const q = mul(aT, tr(kxz));
    const e = mul(mul(aT, mul(S, tr(S))), tr(aT));
    const noise = softplus(U_NOISE);
    const expected = xs.map((_, i) => 0.5 * Math.log(2 * Math.PI * noise) +
        ((ys[i]! - mean[i]!) ** 2 + AMP * AMP - q[i]![i]! + e[i]![i]!) / (2 * noise));
    const out = layer.apply(tf.tensor2d(xs)) as tf.Tensor;
    expectClose(vgpExpectedNegLogLik(tf.tensor2d(ys, [2, 1]), out), expected, 1e-4);
    expect(() => vgpExpectedNegLogLik(tf.zeros([2, 1]), tf.zeros([2, 1]))).toThrowError(/yPred.*VariationalGaussianProcess/);
  });

  it('gradients of loss + KL through the tf-op Cholesky match central finite differences', () => {
    const layer = fixedLayer();
    const x = tf.tensor2d([[-0.8], [0.1], [0.6], [1.4]]);
    const y = tf.tensor2d([[0.2], [-0.4], [0.9], [0.1]]);
    const f = (): tf.Scalar => tf.tidy(() => vgpExpectedNegLogLik(y, layer.apply(x) as tf.Tensor).mean()
        .add(layer.kl()) as tf.Scalar);
    const vars = layer.trainableWeights.map((w) => (w as unknown as {val: tf.Variable}).val);
    const {value, grads} = tf.variableGrads(f, vars);
    value.dispose();
    const h = 1e-2;   // central differences in float32: error O(h²) plus rounding, tolerance 2e-2
    for (const v of vars) {
      const g = grads[v.name]!.dataSync();
      const base = v.clone();
      const d = base.dataSync();
      for (let i = 0; i < d.length; i++) {
        const at = (e: number): number => {
          const p = Float32Array.from(d);
          p[i]! += e;
          v.assign(tf.tensor(p, base.shape));
          return f().dataSync()[0]!;
        };
        const num = (at(h) - at(-h)) / (2 * h);
        v.assign(base);
        expect(Math.abs(g[i]! - num)).toBeLessThan(2e-2 * Math.max(1, Math.abs(num)));
      }
    }
  });

  it('MaternFiveHalves builds and gives the prior variance amplitude² + noise far from z', () => {
    const layer = fixedLayer('MaternFiveHalves');
    const out = layer.apply(tf.tensor2d([[50]])) as tf.Tensor;
    expectClose(distributionOf(out)!.variance(), [[AMP * AMP + softplus(U_NOISE)]], 1e-4);
  });

  for (const [lossName, lossFn] of [['negLogLik', negLogLik], ['vgpExpectedNegLogLik', vgpExpectedNegLogLik]] as const) {
  it(`1-D regression with model.fit and ${lossName}: the loss decreases; the band is wider far from the data`, async () => {
    const n = 40;
    const xs = Array.from({length: n}, (_, i) => -1 + 2 * i / (n - 1));
    const ys = xs.map((x, i) => Math.sin(3 * x) + 0.1 * Math.sin(17 * i));   // deterministic "noise"
    const layer = variationalGaussianProcess({inputShape: [1], numInducingPoints: 8,
      inducingIndexPointsInitializer: tf.initializers.randomUniform({minval: -1, maxval: 1, seed: 3}),
      unconstrainedObservationNoiseVariance: -2, klWeight: 1 / n, convertToTensorFn: 'mean', lengthScale: 0.5});
    const model = tf.sequential({layers: [layer]});
    model.compile({optimizer: tf.train.adam(0.05), loss: lossFn});
    // Evenly spaced inducing points over the data (TFP: scatter them near the data).
    layer.setWeights([tf.linspace(-1, 1, 8).reshape([8, 1]), ...layer.getWeights().slice(1)]);
    const x = tf.tensor2d(xs, [n, 1]);
    const y = tf.tensor2d(ys, [n, 1]);
    const h = await model.fit(x, y, {epochs: 150, batchSize: n, verbose: 0});
    const loss = h.history.loss as number[];
    expect(loss[loss.length - 1]!).toBeLessThan(loss[0]! - 0.5);
    const sd = tf.tidy(() => Array.from(distributionOf(model.apply(tf.tensor2d([[0], [0.5], [4]])) as tf.Tensor)!
        .stddev().dataSync()));
    const latent = tf.tidy(() => Array.from(layer.predictiveMoments(tf.tensor2d([[0], [0.5], [4]])).variance
        .sqrt().dataSync()));
    expect(sd[2]!).toBeGreaterThan(1.5 * sd[0]!);
    expect(sd[2]!).toBeGreaterThan(1.5 * sd[1]!);
    expect(latent[2]!).toBeGreaterThan(2.5 * latent[0]!);
    expect(latent[2]!).toBeGreaterThan(2.5 * latent[1]!);
    // tensors stay flat over further training
    const before = tf.memory().numTensors;
    await model.fit(x, y, {epochs: 3, batchSize: n, verbose: 0});
    expect(tf.memory().numTensors).toBe(before);
  });
  }

  it('round-trips through model.save / tf.loadLayersModel', async () => {
    await import('../../src/io/index.js');
    const model = tf.sequential({layers: [variationalGaussianProcess({inputShape: [1], numInducingPoints: 3,
      kernel: 'MaternFiveHalves', klWeight: 0.01, convertToTensorFn: 'mean', seed: 2})]});
    const layer = model.layers[0] as VariationalGaussianProcess;
    layer.setWeights([tf.tensor2d(Z), tf.tensor1d(LOC), tf.tensor2d(S), tf.scalar(U_AMP), tf.scalar(U_LEN),
      tf.scalar(U_NOISE), tf.scalar(MEAN)]);
    const dir = mkdtempSync(join(tmpdir(), 'tfp-vgp-'));
    await model.save(`file://${dir}`);
    const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
    const l2 = loaded.layers[0] as VariationalGaussianProcess;
    expect(l2).toBeInstanceOf(VariationalGaussianProcess);
    expect(l2.kernelName).toBe('MaternFiveHalves');
    expect(l2.klWeight).toBe(0.01);
    const x = tf.tensor2d([[-0.5], [2]]);
    expectClose(loaded.predict(x) as tf.Tensor, Array.from((model.predict(x) as tf.Tensor).dataSync()), 1e-6);
    expectClose(l2.kl(), Array.from(layer.kl().dataSync()), 1e-6);
  });

  it('refuses bad arguments and inputs by name', () => {
    expect(() => variationalGaussianProcess({numInducingPoints: 0})).toThrowError(ValueError);
    expect(() => variationalGaussianProcess({numInducingPoints: 0})).toThrowError(/numInducingPoints.*got 0/);
    expect(() => variationalGaussianProcess({numInducingPoints: 2, kernel: 'rbf' as never}))
        .toThrowError(/kernel.*got "rbf"/);
    expect(() => variationalGaussianProcess({numInducingPoints: 2, jitter: -1})).toThrowError(/jitter.*got -1/);
    expect(() => variationalGaussianProcess({numInducingPoints: 2, klWeight: -1})).toThrowError(/klWeight.*got -1/);
    expect(() => variationalGaussianProcess({numInducingPoints: 2, eventShape: [2]})).toThrowError(/eventShape.*\[2\]/);
    expect(() => variationalGaussianProcess({numInducingPoints: 2, units: 3} as never)).toThrowError(/units/);
    const layer = variationalGaussianProcess({numInducingPoints: 2});
    expect(() => layer.apply(tf.zeros([2, 3, 1]))).toThrowError(/\[batch, features\].*\[2,3,1\]/);
  });
});
