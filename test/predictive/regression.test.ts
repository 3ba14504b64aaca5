// The Monte Carlo predictive for distribution outputs: mixture moments, log-likelihood and CRPS
// against hand-computed closed forms and a numerical integral; coverage and PIT calibration of a
// perfectly calibrated toy at 5 binomial SE; one weight draw per sample across batches; memory.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {erf, erfc, mixtureQuantileAt, normalCdf, normalQuantile, QUANTILE_TOLERANCE} from
  '../../src/predictive/regression_metrics.js';
import {ValueError} from '../../src/util/errors.js';

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

describe('erf, erfc and Φ in float64', () => {
  // [x, erf(x), erfc(x)] from mpmath 1.3 at 40 digits (mp.erf, mp.erfc), rounded to 20.
  const table: Array<[number, number, number]> = [
    [-3, -0.99997790950300141456, 1.9999779095030014146],
    [-0.5, -0.52049987781304653768, 1.5204998778130465377],
    [0.1, 0.1124629160182848922, 0.8875370839817151078],
    [1, 0.84270079294971486934, 0.15729920705028513066],
    [1.9999, 0.99532019790702939146, 0.0046798020929706085356],
    [2, 0.99532226501895273416, 0.0046777349810472658379],
    [2.5, 0.99959304798255504106, 0.00040695201744495893956],
    [4, 0.99999998458274209972, 1.5417257900280018852e-8],
    [6, 0.99999999999999997848, 2.1519736712498913117e-17],
    [10, 1, 2.088487583762544757e-45],
    [20, 1, 5.3958656116079009289e-176],
  ];
  for (const [x, e, c] of table) {
    it(`erf(${x}) to 1e-15 relative, erfc(${x}) to 1e-13 relative (both sides of the switch at 2)`, () => {
      expect(Math.abs(erf(x) - e)).toBeLessThanOrEqual(1e-15 * Math.abs(e));
      expect(Math.abs(erfc(x) - c)).toBeLessThanOrEqual(1e-13 * c);
    });
  }

  it('Φ(1.959963984540054) = 0.975 and Φ⁻¹ inverts it to 1e-14', () => {
    // Φ⁻¹(0.975) = 1.9599639845400543 (mpmath: sqrt(2)·erfinv(0.95)).
    expect(normalCdf(1.9599639845400543)).toBeCloseTo(0.975, 15);
    expect(Math.abs(normalQuantile(0.975) - 1.9599639845400543)).toBeLessThan(1e-14);
    expect(Math.abs(normalQuantile(1e-10) - -6.361340902404057)).toBeLessThan(1e-12);
  });
});

describe('CRPS', () => {
  it('of one Gaussian equals σ[z(2Φ(z) − 1) + 2φ(z) − 1/√π]: 0.6628070625097118 for μ 0, σ 2, y 1', async () => {
    const crps = await predictive.gaussianMixtureCRPS({loc: tf.zeros([1, 1, 1]) as tf.Tensor3D,
      scale: tf.fill([1, 1, 1], 2) as tf.Tensor3D}, tf.tensor2d([[1]]));
    // z = (1 − 0)/2 = 0.5; mpmath at 40 digits: 2·[0.5(2Φ(0.5) − 1) + 2φ(0.5) − 1/√π] = 0.66280706250971154448.
    expect(Math.abs(crps - 0.66280706250971154448)).toBeLessThan(1e-14);
  });

  it('of the two-component mixture at y = 2.5 equals mpmath\'s quadrature 0.56541714739209152318 to 1e-14', async () => {
    // mp.quad of F(t)² on (−∞, 2.5] and (1 − F(t))² on [2.5, ∞), F = (Φ(t − 1) + Φ((t − 3)/2))/2, 40 digits.
    const crps = await predictive.gaussianMixtureCRPS(twoComponents(), tf.tensor2d([[2.5]]));
    expect(Math.abs(crps - 0.56541714739209152318)).toBeLessThan(1e-14);
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
    // The rectangle rule on the trapezoid F is first order in h: its error is ≈ 1.7e-4 here.
    expect(Math.abs(crps - integral)).toBeLessThan(5e-4);
  });
});

describe('mixture quantiles (interval endpoints)', () => {
  it('central 50% / 95% widths of ½N(1, 1) + ½N(3, 2²) match mpmath\'s roots of F(q) = p to 1e-9', async () => {
    // mp.findroot(F(q) − p) at 40 digits: q(0.25) = 0.68517666225673292177, q(0.75) = 3.0914852024580585365,
    // q(0.025) = −0.94684933370618304812, q(0.975) = 6.2897084417711945871. |F(q) − p| ≤ 1e-12 and
    // the density ≥ 0.02 there, so q is within 5e-11.
    const cov = await predictive.intervalCoverage(twoComponents(), tf.tensor2d([[2]]), [0.5, 0.95]);
    expect(Math.abs(cov[0]!.meanWidth - (3.0914852024580585365 - 0.68517666225673292177))).toBeLessThan(1e-9);
    expect(Math.abs(cov[1]!.meanWidth - (6.2897084417711945871 + 0.94684933370618304812))).toBeLessThan(1e-9);
    expect(cov.map((c) => c.observed)).toEqual([1, 1]);   // y = 2 lies in both
  });

  it('a root in a flat gap (N(0, 1) and N(100, 1), p = ½) is found by the bisection fallback', () => {
    // F = ½ ± 1e-12 exactly on q ∈ [7.03, 92.97] (Φ(−7.03) = 1.0e-12): any such q meets the tolerance.
    const h = {loc: Float64Array.from([0, 100]), scale: Float64Array.from([1, 1]), y: Float64Array.from([0]),
      S: 2, N: 1, D: 1};
    const q = mixtureQuantileAt(h, 0, 0, 0.5, 0);
    expect(QUANTILE_TOLERANCE).toBe(1e-12);
    expect(q).toBeGreaterThan(7.03);
    expect(q).toBeLessThan(92.97);
  });
});

describe('log-likelihood with D = 2 outputs', () => {
  it('adds the outputs\' log densities inside each sample before the mixture: −3.3708153601016', () => {
    // Sample 0: loc [0, 1], scale [1, ½]; sample 1: loc [2, −1], scale [2, 1]; y = [1, 0].
    // l₀ = log N(1|0,1) + log N(0|1,½) = (−½ − ½log2π) + (−2 + log 2 − ½log2π) = −3.6447298858494002;
    // l₁ = log N(1|2,2) + log N(0|−1,1) = (−⅛ − log 2 − ½log2π) + (−½ − ½log2π) = −3.1560242469692908;
    // log((e^l₀ + e^l₁)/2) = −3.3708153601015997 (mpmath).
    const p = {loc: tf.tensor3d([0, 1, 2, -1], [2, 1, 2]), scale: tf.tensor3d([1, 0.5, 2, 1], [2, 1, 2])};
    const ll = predictive.mixtureLogLikelihood(p, tf.tensor2d([[1, 0]]));
    expect(ll.dataSync()[0]).toBeCloseTo(-3.3708153601015997, 5);
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

  it('throws ValueError naming the argument and the value', async () => {
    const rejectsWith = async (p: Promise<unknown>, message: RegExp): Promise<void> => {
      const e = await p.then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(ValueError);
      expect((e as Error).message).toMatch(message);
    };
    const two = twoComponents();
    const zeroScale = {loc: two.loc, scale: tf.tensor3d([1, 0], [2, 1, 1])};
    await rejectsWith(predictive.gaussianMixtureCRPS(zeroScale, tf.zeros([1, 1])),
        /gaussianMixtureCRPS: scale must be finite and > 0; got 0 at \[1,0,0\]/);
    await rejectsWith(predictive.intervalCoverage(two, tf.tensor2d([[NaN]])), /intervalCoverage: y must be finite; got NaN at \[0,0\]/);
    await rejectsWith(predictive.intervalCoverage(two, tf.zeros([1, 1]), [0.9, 1]), /levels must be .* in \(0, 1\); got \[0.9,1\]/);
    await rejectsWith(predictive.regressionCalibration(two, tf.zeros([1, 1]), 1), /bins must be an integer ≥ 2; got 1/);
    await rejectsWith(predictive.evaluateRegression(two, tf.zeros([3])), /y must have N = 1 rows.*got shape \[3\]/);
    await rejectsWith(predictive.evaluateRegression(two, tf.zeros([1]), {level: [0.5]} as never), /unknown argument "level"/);
    const m = tf.sequential({layers: [tf.layers.dense({units: 2, inputShape: [1]}), tfp.layers.independentNormal()]});
    await rejectsWith(predictive.predictDistributionMC(m, [[1]] as never), /x must be a .*tf.Tensor/);
    await rejectsWith(predictive.predictDistributionMC(m, tf.ones([2, 1]), {samples: 2e6}), /samples must be at most 1000000.*got 2000000/);
    await rejectsWith(predictive.predictDistributionMC(m, tf.ones([2, 1]), {batchSize: 0}), /batchSize must be a positive integer; got 0/);
  });
});
