// Tests of the extra distribution output layers against float64 closed forms computed here.
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {distributionOf, independentNormal, IndependentNormal, negLogLik} from '../../src/layers/distribution_layer.js';
import {CategoricalMixtureOfOneHotCategorical, categoricalMixtureOfOneHotCategorical, IndependentLogistic,
  independentLogistic, IndependentPoisson, independentPoisson, MixtureLogistic, mixtureLogistic, MixtureNormal,
  mixtureNormal, MixtureSameFamily, mixtureSameFamily, MultivariateNormalTriL, multivariateNormalTriL,
} from '../../src/layers/distribution_layers_extra.js';
import {ValueError} from '../../src/util/errors.js';

import {expectClose, testSeed} from '../helpers/oracles.js';

// ---- float64 references ----
const sp = (v: number): number => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
/** Lanczos lgamma (g = 7, 9 terms), accurate to ~1e-15 for x > 0. */
function lgamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const z = x - 1;
  let a = c[0] as number;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}
const poissonLog = (k: number, logRate: number): number => k * logRate - Math.exp(logRate) - lgamma(k + 1);
const logisticLog = (x: number, loc: number, s: number): number => {
  const z = (x - loc) / s;
  return -z - 2 * Math.log1p(Math.exp(-z)) - Math.log(s);
};
const normalLog = (x: number, loc: number, s: number): number =>
  -0.5 * ((x - loc) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
const logSumExp = (v: number[]): number => {
  const m = Math.max(...v);
  return m + Math.log(v.reduce((a, b) => a + Math.exp(b - m), 0));
};
const logSoftmax = (v: number[]): number[] => v.map((x) => x - logSumExp(v));

/** log N(x; μ, L Lᵀ) by forward substitution, float64. */
function mvnLog(x: number[], mu: number[], L: number[][]): number {
  const n = x.length;
  const z: number[] = [];
  for (let i = 0; i < n; i++) {
    let s = (x[i] as number) - (mu[i] as number);
    for (let j = 0; j < i; j++) s -= (L[i]![j] as number) * (z[j] as number);
    z.push(s / (L[i]![i] as number));
  }
  let logDet = 0;
  for (let i = 0; i < n; i++) logDet += Math.log(Math.abs(L[i]![i] as number));
  return -0.5 * z.reduce((a, b) => a + b * b, 0) - logDet - 0.5 * n * Math.log(2 * Math.PI);
}

function logProbOf(layer: tf.layers.Layer, params: number[][], x: tf.Tensor): number[] {
  return tf.tidy(() => {
    const y = layer.apply(tf.tensor2d(params)) as tf.Tensor;
    return Array.from(distributionOf(y)!.logProb(x).dataSync());
  });
}

describe('paramsSize (TFP formulas)', () => {
  const cases: Array<[string, () => number, number]> = [
    ['IndependentPoisson([2,3]) = 6', () => IndependentPoisson.paramsSize([2, 3]), 6],
    ['IndependentLogistic([2,3]) = 12', () => IndependentLogistic.paramsSize([2, 3]), 12],
    ['MixtureNormal(3, [2]) = 3 + 3·4', () => MixtureNormal.paramsSize(3, [2]), 15],
    ['MixtureLogistic(2) = 2 + 2·2', () => MixtureLogistic.paramsSize(2), 6],
    ['MixtureSameFamily(4, 5) = 4 + 20', () => MixtureSameFamily.paramsSize(4, 5), 24],
    ['MultivariateNormalTriL(3) = 3 + 6', () => MultivariateNormalTriL.paramsSize(3), 9],
    ['CategoricalMixtureOfOneHotCategorical(5, 2) = 2 + 10', () => CategoricalMixtureOfOneHotCategorical.paramsSize(5, 2), 12],
  ];
  for (const [title, f, want] of cases) it(title, () => expect(f()).toBe(want));
});

describe('logProb against float64 closed forms', () => {
  it('IndependentPoisson: Σ k·logλ − λ − lgamma(k+1), input = log λ', () => {
    const p = [[0.3, -1.2], [1.5, 0.1]];
    const k = [[2, 0], [5, 1]];
    const got = logProbOf(independentPoisson({eventShape: [2]}), p, tf.tensor2d(k));
    expectClose(got, p.map((r, i) => r.reduce((a, lr, j) => a + poissonLog(k[i]![j]!, lr), 0)), 1e-4, 1e-5);
  });

  it('IndependentLogistic: scale = softplus(u)', () => {
    const p = [[0.5, -1, 0.2, 1.1]];
    const x = [[1.3, -0.4]];
    const got = logProbOf(independentLogistic({eventShape: 2}), p, tf.tensor2d(x));
    const want = logisticLog(1.3, 0.5, sp(0.2)) + logisticLog(-0.4, -1, sp(1.1));
    expectClose(got, [want], 1e-5, 1e-5);
  });

  for (const [name, make, comp] of [
    ['MixtureNormal', () => mixtureNormal({numComponents: 2}), normalLog],
    ['MixtureLogistic', () => mixtureLogistic({numComponents: 2}), logisticLog],
  ] as const) {
    it(`${name}: logsumexp_k(log π_k + log p_k(x)), layout [logits, (loc, u) per component]`, () => {
      const p = [[0.4, -0.3, -1, 0.2, 1.5, -0.7]];
      const x = 0.8;
      const lw = logSoftmax([0.4, -0.3]);
      const want = logSumExp([lw[0]! + comp(x, -1, sp(0.2)), lw[1]! + comp(x, 1.5, sp(-0.7))]);
      expectClose(logProbOf(make(), p, tf.tensor2d([[x]])), [want], 1e-5, 1e-5);
    });
  }

  it('MixtureSameFamily(independentPoisson): mixture of Poisson pmfs', () => {
    const layer = mixtureSameFamily({numComponents: 2, componentLayer: independentPoisson({eventShape: [1]})});
    const p = [[1.0, -0.5, 0.2, 1.7]];
    const lw = logSoftmax([1.0, -0.5]);
    const want = logSumExp([lw[0]! + poissonLog(3, 0.2), lw[1]! + poissonLog(3, 1.7)]);
    expectClose(logProbOf(layer, p, tf.tensor2d([[3]])), [want], 1e-4, 1e-5);
  });

  it('MultivariateNormalTriL (n = 2): fill_triangular [a, b, c] → [[c, 0], [b, a]], diagonal softplus + 1e-5', () => {
    const [l0, l1, a, b, c] = [0.3, -0.2, 0.5, 0.7, -0.4];
    const L = [[sp(c) + 1e-5, 0], [b, sp(a) + 1e-5]];
    const x = [1.1, -0.6];
    const got = logProbOf(multivariateNormalTriL({eventSize: 2}), [[l0, l1, a, b, c]], tf.tensor2d([x]));
    expectClose(got, [mvnLog(x, [l0, l1], L)], 1e-5, 1e-5);
  });

  it('MultivariateNormalTriL (n = 3): TFP docs fill_triangular([1..6]) = [[4,0,0],[6,5,0],[3,2,1]]', () => {
    const layer = multivariateNormalTriL({eventSize: 3});
    const scale = tf.tidy(() => {
      const y = layer.apply(tf.tensor2d([[0, 0, 0, 1, 2, 3, 4, 5, 6]])) as tf.Tensor;
      const d = distributionOf(y) as unknown as {scaleTril: tf.Tensor};
      return Array.from(d.scaleTril.dataSync());
    });
    expectClose(scale, [sp(4) + 1e-5, 0, 0, 6, sp(5) + 1e-5, 0, 3, 2, sp(1) + 1e-5], 1e-5, 1e-5);
  });

  it('CategoricalMixtureOfOneHotCategorical: logsumexp_k(log π_k + log softmax(logits_k)[class])', () => {
    const p = [[0.2, -0.4, 1, 0, -1, 0.5, 0.3, -2]];
    const lw = logSoftmax([0.2, -0.4]);
    const c0 = logSoftmax([1, 0, -1]);
    const c1 = logSoftmax([0.5, 0.3, -2]);
    const want = logSumExp([lw[0]! + c0[1]!, lw[1]! + c1[1]!]);
    const got = logProbOf(categoricalMixtureOfOneHotCategorical({eventSize: 3, numComponents: 2}), p,
        tf.tensor2d([[0, 1, 0]]));
    expectClose(got, [want], 1e-5, 1e-5);
  });
});

// ---- training ----
function data(kind: 'real' | 'count' | 'vec2' | 'onehot', n = 64): {x: tf.Tensor; y: tf.Tensor} {
  let s = testSeed() % 2147483647 || 1;
  const u = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
  const xs: number[] = [];
  const ys: number[][] = [];
  for (let i = 0; i < n; i++) {
    const x = 2 * u() - 1;
    xs.push(x);
    if (kind === 'real') ys.push([(u() < 0.5 ? -2 : 2) + 0.3 * (u() - 0.5)]);
    else if (kind === 'count') ys.push([Math.floor(3 * u() * (1 + x + 1))]);
    else if (kind === 'vec2') ys.push([x + 0.2 * (u() - 0.5), -x + 0.2 * (u() - 0.5)]);
    else ys.push(x > 0 ? [1, 0, 0] : [0, 0, 1]);
  }
  return {x: tf.tensor2d(xs, [n, 1]), y: tf.tensor2d(ys)};
}

describe('each layer trains with negLogLik (model.fit: the NLL decreases)', () => {
  const cases: Array<[string, () => tf.layers.Layer, number, 'real' | 'count' | 'vec2' | 'onehot']> = [
    ['IndependentPoisson', () => independentPoisson(), IndependentPoisson.paramsSize(), 'count'],
    ['IndependentLogistic', () => independentLogistic(), IndependentLogistic.paramsSize(), 'real'],
    ['MixtureNormal', () => mixtureNormal({numComponents: 2}), MixtureNormal.paramsSize(2, [1]), 'real'],
    ['MixtureLogistic', () => mixtureLogistic({numComponents: 2}), MixtureLogistic.paramsSize(2), 'real'],
    ['MixtureSameFamily(IndependentNormal)', () => mixtureSameFamily({numComponents: 2, componentLayer: independentNormal()}),
      MixtureSameFamily.paramsSize(2, IndependentNormal.paramsSize()), 'real'],
    ['MultivariateNormalTriL', () => multivariateNormalTriL({eventSize: 2}), MultivariateNormalTriL.paramsSize(2), 'vec2'],
    ['CategoricalMixtureOfOneHotCategorical', () => categoricalMixtureOfOneHotCategorical({eventSize: 3, numComponents: 2}),
      CategoricalMixtureOfOneHotCategorical.paramsSize(3, 2), 'onehot'],
  ];
  for (const [name, make, units, kind] of cases) {
    it(`${name}: loss after 40 epochs < 0.9 · first-epoch loss`, async () => {
      const {x, y} = data(kind);
      const model = tf.sequential({layers: [
        tf.layers.dense({inputShape: [1], units: 8, activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({seed: 1})}),
        tf.layers.dense({units, kernelInitializer: tf.initializers.glorotNormal({seed: 2})}), make()]});
      model.compile({optimizer: tf.train.adam(0.05), loss: negLogLik});
      const h = await model.fit(x, y, {epochs: 40, batchSize: 64, verbose: 0});
      const loss = h.history['loss'] as number[];
      expect(loss[loss.length - 1]!).toBeLessThan(loss[0]! - 0.1 * Math.abs(loss[0]!));
      x.dispose(); y.dispose(); model.dispose();
    });
  }
});

describe('serialization', () => {
  const layers: Array<[string, () => tf.layers.Layer, number]> = [
    ['IndependentPoisson', () => independentPoisson({eventShape: [2], convertToTensorFn: 'mean'}), 2],
    ['IndependentLogistic', () => independentLogistic({eventShape: [2], convertToTensorFn: 'mean'}), 4],
    ['MixtureNormal', () => mixtureNormal({numComponents: 2, convertToTensorFn: 'mean'}), 6],
    ['MixtureLogistic', () => mixtureLogistic({numComponents: 2, convertToTensorFn: 'mean'}), 6],
    ['MixtureSameFamily', () => mixtureSameFamily({numComponents: 2, convertToTensorFn: 'mean',
      componentLayer: multivariateNormalTriL({eventSize: 2})}), 12],
    ['MultivariateNormalTriL', () => multivariateNormalTriL({eventSize: 2, convertToTensorFn: 'mean'}), 5],
    ['CategoricalMixtureOfOneHotCategorical', () => categoricalMixtureOfOneHotCategorical({eventSize: 3,
      numComponents: 2, convertToTensorFn: 'mean'}), 8],
  ];
  for (const [name, make, units] of layers) {
    it(`${name}: a dense → layer model round-trips through model.save / tf.loadLayersModel (mean output equal)`, async () => {
      await import('../../src/io/index.js');
      const model = tf.sequential({layers: [tf.layers.dense({inputShape: [2], units}), make()]});
      const dir = mkdtempSync(join(tmpdir(), 'tfp-distextra-'));
      await model.save(`file://${dir}`);
      const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
      expect(loaded.layers[1]!.getClassName()).toBe(name);
      const x = tf.tensor2d([[0.5, -1], [0.2, 0.3]]);
      expectClose(loaded.predict(x) as tf.Tensor, Array.from((model.predict(x) as tf.Tensor).dataSync()), 1e-6);
    });
  }
});

describe('bad input', () => {
  it('wrong last input dimension names paramsSize and the shape', () => {
    const layer = mixtureNormal({numComponents: 2});
    expect(() => layer.apply(tf.zeros([1, 5]))).toThrowError(ValueError);
    expect(() => layer.apply(tf.zeros([1, 5]))).toThrowError(/paramsSize.*6.*\[1,5\]/);
  });
  for (const [what, f] of [
    ['MixtureNormal numComponents 0', () => mixtureNormal({numComponents: 0})],
    ['MixtureLogistic numComponents 1.5', () => mixtureLogistic({numComponents: 1.5})],
    ['MixtureSameFamily numComponents -1', () => mixtureSameFamily({numComponents: -1, componentLayer: independentNormal()})],
    ['CategoricalMixture numComponents 0', () => categoricalMixtureOfOneHotCategorical({eventSize: 2, numComponents: 0})],
    ['MixtureNormal.paramsSize numComponents 0', () => MixtureNormal.paramsSize(0)],
  ] as const) {
    it(`${what}: ValueError naming numComponents and the value`, () => {
      expect(f).toThrowError(ValueError);
      expect(f).toThrowError(/numComponents must be a positive integer; got (0|1\.5|-1)/);
    });
  }
  it('MultivariateNormalTriL eventSize 0 and a mixture with mode are ValueErrors by name', () => {
    expect(() => multivariateNormalTriL({eventSize: 0})).toThrowError(/eventSize.*got 0/);
    expect(() => mixtureNormal({numComponents: 2, convertToTensorFn: 'mode'})).toThrowError(/convertToTensorFn.*mode/);
    expect(() => mixtureSameFamily({numComponents: 2, componentLayer: {} as never})).toThrowError(/componentLayer/);
  });
});

describe('memory', () => {
  it('tensors stay flat across repeated calls and losses of every layer', () => {
    const pairs: Array<[tf.layers.Layer, number, tf.Tensor]> = [
      [independentPoisson(), 1, tf.tensor2d([[2]])],
      [independentLogistic(), 2, tf.tensor2d([[0.5]])],
      [mixtureNormal({numComponents: 2}), 6, tf.tensor2d([[0.5]])],
      [mixtureSameFamily({numComponents: 2, componentLayer: independentLogistic()}), 6, tf.tensor2d([[0.5]])],
      [multivariateNormalTriL({eventSize: 2}), 5, tf.tensor2d([[0.5, 1]])],
      [categoricalMixtureOfOneHotCategorical({eventSize: 3, numComponents: 2}), 8, tf.tensor2d([[0, 1, 0]])],
    ];
    for (const [layer, units, y] of pairs) {
      const p = tf.randomNormal([1, units], 0, 1, 'float32', 3);
      const once = (): void => tf.tidy(() => { negLogLik(y, layer.apply(p) as tf.Tensor).dataSync(); });
      once();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) once();
      expect(tf.memory().numTensors, layer.getClassName()).toBe(before);
    }
  });
});

describe("convertToTensorFn 'mean' and 'mode'", () => {
  const out = (layer: tf.layers.Layer, p: number[][]): number[] =>
    tf.tidy(() => Array.from((layer.apply(tf.tensor2d(p)) as tf.Tensor).dataSync()));
  it('MixtureNormal mean = Σ π_k μ_k', () => {
    const w = logSoftmax([0.4, -0.3]).map(Math.exp);
    expectClose(out(mixtureNormal({numComponents: 2, convertToTensorFn: 'mean'}), [[0.4, -0.3, -1, 0.2, 1.5, -0.7]]),
        [w[0]! * -1 + w[1]! * 1.5], 1e-5, 1e-5);
  });
  it('CategoricalMixtureOfOneHotCategorical mean = Σ π_k softmax(logits_k) (TFP: prob of each one-hot)', () => {
    const w = logSoftmax([0.2, -0.4]).map(Math.exp);
    const c0 = logSoftmax([1, 0, -1]).map(Math.exp);
    const c1 = logSoftmax([0.5, 0.3, -2]).map(Math.exp);
    expectClose(out(categoricalMixtureOfOneHotCategorical({eventSize: 3, numComponents: 2, convertToTensorFn: 'mean'}),
        [[0.2, -0.4, 1, 0, -1, 0.5, 0.3, -2]]), c0.map((v, i) => w[0]! * v + w[1]! * c1[i]!), 1e-5, 1e-5);
  });
  it('IndependentPoisson mean = exp(input), mode = ⌊exp(input)⌋; MVN-TriL and Logistic mode = loc', () => {
    expectClose(out(independentPoisson({eventShape: 2, convertToTensorFn: 'mean'}), [[0.3, 1.5]]),
        [Math.exp(0.3), Math.exp(1.5)], 1e-5, 1e-5);
    expectClose(out(independentPoisson({eventShape: 2, convertToTensorFn: 'mode'}), [[0.3, 1.5]]),
        [Math.floor(Math.exp(0.3)), Math.floor(Math.exp(1.5))], 0, 0);
    expectClose(out(multivariateNormalTriL({eventSize: 2, convertToTensorFn: 'mode'}), [[0.3, -0.2, 1, 2, 3]]), [0.3, -0.2], 1e-6);
    expectClose(out(independentLogistic({convertToTensorFn: 'mode'}), [[0.7, -3]]), [0.7], 1e-6);
  });
});
