// One predictive interface: every method (deterministic, Bayesian MC, MC dropout, ensemble, MOPED
// conversion, last-layer Laplace) yields [S, N, C] probabilities, and evaluateClassifier's scores
// equal the tfp.predictive metrics applied to the predictive mean by hand.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {testSeed} from '../helpers/oracles.js';

function net(seed: number): tf.Sequential {
  return tf.sequential({layers: [
    tf.layers.dense({inputShape: [4], units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({seed})}),
    tf.layers.dense({units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({seed: seed + 1})}),
  ]});
}

describe('one predictive interface', () => {
  const seed = testSeed();
  const x = tf.randomNormal([30, 4], 0, 1, 'float32', seed);
  const y = tf.randomUniform([30], 0, 3, 'int32', seed + 1);
  const ood = tf.randomNormal([20, 4], 0, 4, 'float32', seed + 2);

  it('every method returns [S, N, C] probabilities that sum to 1, and evaluateClassifier scores all of them', async () => {
    const base = net(seed);
    const la = await tfp.laplace.fitLastLayerLaplace(base, {x, y});
    const methods = [
      tfp.predictive.deterministicMethod(base),
      tfp.predictive.mcDropoutMethod(tfp.convert.insertDropout(base, {rate: 0.2}), {samples: 5, seed: 1}),
      tfp.predictive.ensembleMethod([base, net(seed + 10)]),
      tfp.predictive.bayesianMethod(tfp.convert.dnnToBnn(base, {moped: {delta: 0.1}}), {samples: 5}, 'moped'),
      tfp.predictive.customMethod('laplace probit', (xs) => la.predict(xs)),
      tfp.predictive.customMethod('laplace mc', (xs) => la.predict(xs, {method: 'mc', samples: 5, seed: 2})),
    ];
    const sizes = [1, 5, 2, 5, 1, 5];
    methods.forEach((m, k) => {
      const p = m.predict(x);
      expect(p.shape).toEqual([sizes[k], 30, 3]);
      const sums = tf.tidy(() => tf.sum(p, -1).dataSync());
      for (const s of sums) expect(s).toBeCloseTo(1, 5);
      p.dispose();
      const before = tf.memory().numTensors;
      const r = tfp.predictive.evaluateClassifier(m, x, y, {ood});
      expect(tf.memory().numTensors).toBe(before);
      expect(r.name).toBe(m.name);
      for (const v of [r.accuracy, r.nll, r.brier, r.ece, r.meanEntropy, r.meanMutualInformation, r.oodAuroc]) {
        expect(Number.isFinite(v)).toBe(true);
      }
    });
    la.dispose();
  });

  it('evaluateClassifier equals the metrics applied by hand to summarize(probs).mean', () => {
    const m = net(seed);
    const method = tfp.predictive.deterministicMethod(m);
    const r = tfp.predictive.evaluateClassifier(method, x, y, {ood});
    const p = tf.squeeze(m.predict(x) as tf.Tensor, []) as tf.Tensor2D;
    expect(r.accuracy).toBe(tfp.predictive.accuracy(p, y));
    expect(r.nll).toBeCloseTo(-tfp.predictive.heldOutLogLikelihood(p, y), 6);
    expect(r.brier).toBeCloseTo(tfp.predictive.brierScore(p, y), 6);
    expect(r.ece).toBeCloseTo(tfp.predictive.expectedCalibrationError(p, y), 6);
    const h = tfp.predictive.entropy(p);
    const ho = tfp.predictive.entropy(m.predict(ood) as tf.Tensor);
    expect(r.oodAuroc).toBeCloseTo(tfp.predictive.auroc(h, ho), 6);
    expect(r.meanMutualInformation).toBe(0);
  });

  it('refuses a method without predict', () => {
    expect(() => tfp.predictive.evaluateClassifier({} as tfp.predictive.PredictiveMethod, x, y))
        .toThrow(/method must be a PredictiveMethod \{name, predict\}/);
  });
});
