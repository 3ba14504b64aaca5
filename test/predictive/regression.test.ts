// The Monte Carlo predictive for distribution outputs: mixture moments, log-likelihood and CRPS
// against hand-computed closed forms and a numerical integral; coverage and PIT calibration of a
// perfectly calibrated toy at 5 binomial SE; one weight draw per sample across batches; memory.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';

const {predictive} = tfp;

/** Two components for one example, one output: N(1, 1²) and N(3, 2²). */
function twoComponents(): tfp.predictive.GaussianSamples {
  return {loc: tf.tensor3d([1, 3], [2, 1, 1]), scale: tf.tensor3d([1, 2], [2, 1, 1])};
}

describe('mixture moments and log-likelihood (closed forms)', () => {
  it('mean 2, aleatoric (1 + 4)/2 = 2.5, epistemic ((1−2)² + (3−2)²)/2 = 1, variance 3.5', () => {
    const m = predictive.mixtureMoments(twoComponents());
    expect(m.mean.dataSync()[0]).toBeCloseTo(2, 6);
    expect(m.aleatoric.dataSync()[0]).toBeCloseTo(2.5, 6);
    expect(m.epistemic.dataSync()[0]).toBeCloseTo(1, 6);
    expect(m.variance.dataSync()[0]).toBeCloseTo(3.5, 6);
    expect(m.stddev.dataSync()[0]).toBeCloseTo(Math.sqrt(3.5), 6);
  });

  it('log-likelihood at y = 2: log(½ φ(1) + ½ φ(½)/2) = −1.5654129220231545', () => {
    // φ(1) = 0.24197072451914337, φ(0.5)/2 = 0.17603266338214976 (python math, by hand).
    const ll = predictive.mixtureLogLikelihood(twoComponents(), tf.tensor2d([[2]]));
    expect(ll.shape).toEqual([1]);
    expect(ll.dataSync()[0]).toBeCloseTo(-1.5654129220231545, 5);
  });

  it('is stable far in the tails (logsumexp): y = 1e3 gives a finite value', () => {
    const ll = predictive.mixtureLogLikelihood(twoComponents(), tf.tensor2d([[1000]]));
    // The wider component dominates: log ½ + log N(1000 | 3, 4) = log ½ − ½(997/2)² − log 2 − ½ log 2π.
    const want = Math.log(0.5) - 0.5 * (997 / 2) ** 2 - Math.log(2) - 0.5 * Math.log(2 * Math.PI);
    expect(ll.dataSync()[0]! / want).toBeCloseTo(1, 5);
  });
});

describe('CRPS', () => {
  it('of one Gaussian equals σ[z(2Φ(z) − 1) + 2φ(z) − 1/√π]: 0.6628070625097118 for μ 0, σ 2, y 1', async () => {
    const crps = await predictive.gaussianMixtureCRPS({loc: tf.zeros([1, 1, 1]) as tf.Tensor3D,
      scale: tf.fill([1, 1, 1], 2) as tf.Tensor3D}, tf.tensor2d([[1]]));
    expect(crps).toBeCloseTo(0.6628070625097118, 6);
  });

  it('of a two-component mixture equals ∫ (F(t) − 1{t ≥ y})² dt, F integrated numerically here', async () => {
    const y = 2.5;
    const crps = await predictive.gaussianMixtureCRPS(twoComponents(), tf.tensor2d([[y]]));
    // F by the cumulative trapezoid rule of the mixture density on [−30, 30], h = 1e-3.
    const h = 1e-3;
    const pdf = (t: number): number => 0.5 * Math.exp(-0.5 * (t - 1) ** 2) / Math.sqrt(2 * Math.PI) +
      0.5 * Math.exp(-0.5 * ((t - 3) / 2) ** 2) / (2 * Math.sqrt(2 * Math.PI));
    let F = 0;
    let integral = 0;
    let prev = pdf(-30);
    for (let t = -30 + h; t <= 30; t += h) {
      const cur = pdf(t);
      F += 0.5 * h * (prev + cur);
      prev = cur;
      integral += h * (F - (t >= y ? 1 : 0)) ** 2;
    }
    expect(Math.abs(crps - integral)).toBeLessThan(2e-3);
  });
});

describe('calibration of a perfectly calibrated toy', () => {
  it('interval coverage = nominal and the PIT curve = diagonal within 5 binomial SE', async () => {
    // N examples, S = 3 components each (random loc / scale); y drawn from each example's mixture.
    const N = 3000;
    const S = 3;
    let state = 12345;
    const uniform = (): number => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return (state + 0.5) / 2147483648;
    };
    const normal = (): number => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    const loc = new Float32Array(S * N);
    const scale = new Float32Array(S * N);
    for (let i = 0; i < S * N; i++) {
      loc[i] = 4 * uniform() - 2;
      scale[i] = 0.2 + uniform();
    }
    const y = new Float32Array(N);
    for (let n = 0; n < N; n++) {
      const s = Math.floor(uniform() * S);
      y[n] = loc[s * N + n]! + scale[s * N + n]! * normal();
    }
    const p = {loc: tf.tensor3d(loc, [S, N, 1]), scale: tf.tensor3d(scale, [S, N, 1])};
    const yt = tf.tensor2d(y, [N, 1]);
    const coverage = await predictive.intervalCoverage(p, yt);
    expect(coverage.map((c) => c.level)).toEqual([0.5, 0.9, 0.95]);
    for (const c of coverage) {
      expect(Math.abs(c.observed - c.level)).toBeLessThan(5 * Math.sqrt(c.level * (1 - c.level) / N));
    }
    const {points, calibrationError} = await predictive.regressionCalibration(p, yt);
    for (const q of points) {
      expect(Math.abs(q.observed - q.expected)).toBeLessThan(5 * Math.sqrt(q.expected * (1 - q.expected) / N));
    }
    expect(calibrationError).toBeLessThan(0.03);
    // A predictive twice too narrow under-covers badly.
    const narrow = await predictive.intervalCoverage({loc: p.loc, scale: tf.div(p.scale, 2) as tf.Tensor3D}, yt, [0.9]);
    expect(narrow[0]!.observed).toBeLessThan(0.75);
  });
});

describe('predictDistributionMC on a model', () => {
  function model(): tf.Sequential {
    return tf.sequential({layers: [
      tfp.layers.denseReparameterization({units: 4, activation: 'relu', inputShape: [2], seed: 1}),
      tfp.layers.denseFlipout({units: 2, seed: 2}),
      tfp.layers.independentNormal({eventShape: [1]}),
    ]});
  }

  it('returns [S, N, D] loc / scale, one function per sample across batches, and memory stays flat', async () => {
    const m = model();
    for (const l of tfp.layers.variationalLayers(m)) {
      const w = l.getWeights();
      l.setWeights([w[0]!, tf.zerosLike(w[1]!), ...w.slice(2)]);   // σ = softplus(0): visible spread
    }
    // Rows 0 and 4 are equal and fall in different batches of 2.
    const x = tf.tensor2d([[1, 2], [0, -1], [2, 2], [-1, 0.5], [1, 2]]);
    const first = await predictive.predictDistributionMC(m, x, {samples: 4, batchSize: 2});
    expect(first.loc.shape).toEqual([4, 5, 1]);
    const loc = first.loc.arraySync();
    const scale = first.scale.arraySync();
    for (let s = 0; s < 4; s++) {
      expect(loc[s]![4]).toEqual(loc[s]![0]);
      expect(scale[s]![4]).toEqual(scale[s]![0]);
      expect(scale[s]!.every((r) => r[0]! > 0)).toBe(true);
    }
    expect(loc[1]![0]).not.toEqual(loc[0]![0]);
    tf.dispose([first.loc, first.scale]);
    const targets = tf.zeros([5, 1]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const r = await predictive.predictDistributionMC(m, x, {samples: 3, batchSize: 2});
      const summary = await predictive.evaluateRegression(r, targets);
      expect(Number.isFinite(summary.logLikelihood)).toBe(true);
      tf.dispose([r.loc, r.scale]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a model without a distribution output, bad options and mismatched targets by name', async () => {
    const plain = tf.sequential({layers: [tf.layers.dense({units: 1, inputShape: [2]})]});
    const x = tf.ones([3, 2]);
    await expect(predictive.predictDistributionMC(plain, x)).rejects.toThrow(/one distribution layer/);
    await expect(predictive.predictDistributionMC(model(), x, {samples: 0})).rejects.toThrow(/samples must be a positive integer/);
    await expect(predictive.predictDistributionMC(model(), x, {sample: 3} as never)).rejects.toThrow(/sample/);
    expect(() => predictive.mixtureLogLikelihood(twoComponents(), tf.zeros([2, 1]))).toThrow(/y must have N = 1 rows/);
    await expect(predictive.intervalCoverage(twoComponents(), tf.zeros([1, 1]), [1.5])).rejects.toThrow(/levels/);
    expect(() => predictive.mixtureMoments({loc: tf.zeros([2, 1]), scale: tf.zeros([2, 1])} as never)).toThrow(/\[S, N, D\]/);
  });
});
