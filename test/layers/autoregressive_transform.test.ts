// AutoregressiveTransform: a MADE (params 2) flow on a base distribution layer. Closed forms for a
// constant shift / log scale, errors, a density fit with negLogLik, and save/load.
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {Independent, Normal} from '../../src/distributions/index.js';
import {AutoregressiveTransform, autoregressiveNetwork, autoregressiveTransform, distributionLambda,
  distributionOf, negLogLik} from '../../src/layers/index.js';
import {describeFn, registerFn} from '../../src/layers/fn_registry.js';
import {ValueError} from '../../src/util/errors.js';

import {expectClose, testSeed} from '../helpers/oracles.js';

/** Base N(0, I₂) with the batch size of its input. */
const standardBase = describeFn((t: tf.Tensor) => new Independent({
  distribution: new Normal({loc: tf.zeros([t.shape[0] as number, 2]), scale: 1}), reinterpretedBatchNdims: 1}),
'StandardNormal2Test');
registerFn('StandardNormal2Test', () => standardBase);

function flowModel(made: ReturnType<typeof autoregressiveNetwork>, seed?: number): tf.Sequential {
  return tf.sequential({layers: [
    distributionLambda({inputShape: [1], makeDistributionFn: standardBase, seed}),
    autoregressiveTransform({made, seed}),
  ]});
}

const logNormal = (y: number, m: number, s: number): number =>
  -0.5 * ((y - m) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI);

describe('AutoregressiveTransform', () => {
  it('constant shift b and log scale c (zero kernels): y ~ N(b, e^c) per coordinate — logProb and sample moments', () => {
    const made = autoregressiveNetwork({params: 2, hiddenUnits: [4], kernelInitializer: 'zeros',
      biasInitializer: tf.initializers.constant({value: 0.3})});
    const model = flowModel(made, testSeed());
    const out = model.apply(tf.zeros([2, 1])) as tf.Tensor;
    expect(out.shape).toEqual([2, 2]);
    const y = [[0.1, -0.5], [1, 2]];
    const s = Math.exp(0.3);
    const d = distributionOf(out)!;
    expectClose(d.logProb(y), y.map((r) => logNormal(r[0]!, 0.3, s) + logNormal(r[1]!, 0.3, s)));
    const n = 2000;
    const draws = d.sample([n / 2], testSeed());   // [n/2, 2, 2]: n draws per coordinate
    const flat = tf.reshape(draws, [-1, 2]);
    const {mean, variance} = tf.moments(flat, 0);
    Array.from(mean.dataSync()).forEach((m) => expect(Math.abs(m - 0.3)).toBeLessThan(5 * s / Math.sqrt(n)));
    Array.from(variance.dataSync()).forEach((v) => expect(Math.abs(v - s * s)).toBeLessThan(5 * s * s * Math.sqrt(2 / n)));
  });

  it('a sample is a fixed point of y = x·e^{c(y)} + shift(y); logProb(y) = Σ log N(x; 0, 1) − Σ c(y) (change of variables)', () => {
    const made = autoregressiveNetwork({params: 2, hiddenUnits: [8], activation: 'tanh', seed: testSeed()});
    const model = flowModel(made, testSeed());
    const out = model.apply(tf.zeros([5, 1])) as tf.Tensor;
    const [shift, logScale] = tf.unstack(made.apply(out) as tf.Tensor, 2);
    const x = tf.mul(tf.sub(out, shift!), tf.exp(tf.neg(logScale!)));
    // Forward again from x: y' = x e^{c(y)} + shift(y) must reproduce y (fixed point after D passes).
    expectClose(tf.add(tf.mul(x, tf.exp(logScale!)), shift!), Array.from(out.dataSync()), 1e-5);
    const base = x.arraySync() as number[][];
    const ls = logScale!.arraySync() as number[][];
    const expected = base.map((r, i) => logNormal(r[0]!, 0, 1) + logNormal(r[1]!, 0, 1) - ls[i]![0]! - ls[i]![1]!);
    expectClose(distributionOf(out)!.logProb(out), expected, 1e-5);
  });

  it('ValueError: made with params ≠ 2; input not from a distribution layer; not a MADE', () => {
    expect(() => autoregressiveTransform({made: autoregressiveNetwork({params: 3})}))
        .toThrowError(/made must have params 2.*got params 3/);
    expect(() => autoregressiveTransform({made: 'made' as unknown as ReturnType<typeof autoregressiveNetwork>}))
        .toThrowError(/made must be an AutoregressiveNetwork; got "made"/);
    const layer = autoregressiveTransform({made: autoregressiveNetwork({params: 2})});
    expect(() => layer.apply(tf.zeros([3, 2]))).toThrowError(ValueError);
    expect(() => layer.apply(tf.zeros([3, 2]))).toThrowError(/input must be the output of a tfp distribution layer.*got Tensor\[3,2\]/);
  });

  it('model.fit with negLogLik on 2-D data beats the best factorized Gaussian NLL', async () => {
    // x1 ~ N(0, 1), x2 = x1²/2 + 0.3ε: best factorized Gaussian NLL 2.5741 (see the MADE test).
    const seed = testSeed();
    const n = 128;
    const x1 = tf.randomNormal([n, 1], 0, 1, 'float32', seed);
    const data = tf.concat([x1, tf.add(tf.mul(0.5, tf.square(x1)), tf.randomNormal([n, 1], 0, 0.3, 'float32', seed + 1))], 1);
    const model = flowModel(autoregressiveNetwork({params: 2, hiddenUnits: [16], activation: 'relu', seed}), seed);
    model.compile({optimizer: tf.train.adam(0.03), loss: negLogLik});
    const history = await model.fit(tf.zeros([n, 1]), data, {epochs: 120, batchSize: n, verbose: 0});
    const loss = history.history['loss'] as number[];
    expect(loss[loss.length - 1]!).toBeLessThan(loss[0]!);
    expect(loss[loss.length - 1]!).toBeLessThan(2.5741 - 0.3);
    expect(model.layers[1]!.trainableWeights.length).toBe(4);   // the MADE's kernels and biases
  });

  it('model.save / tf.loadLayersModel restores the MADE and the density', async () => {
    await import('../../src/io/index.js');
    const made = autoregressiveNetwork({params: 2, hiddenUnits: [6], activation: 'relu', seed: testSeed(),
      biasInitializer: tf.initializers.randomNormal({mean: 0, stddev: 0.3, seed: 4})});
    const model = flowModel(made);
    model.compile({optimizer: 'sgd', loss: negLogLik});
    const y = tf.tensor2d([[0.2, 1], [-1, 0.5]]);
    const before = model.evaluate(tf.zeros([2, 1]), y) as tf.Scalar;
    const dir = mkdtempSync(join(tmpdir(), 'tfp-flow-'));
    await model.save(`file://${dir}`);
    const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
    loaded.compile({optimizer: 'sgd', loss: negLogLik});
    const copy = loaded.layers.find((l) => l instanceof AutoregressiveTransform) as AutoregressiveTransform;
    expect(copy.made.degrees).toEqual(made.degrees);
    expectClose(loaded.evaluate(tf.zeros([2, 1]), y) as tf.Scalar, [before.dataSync()[0]!], 1e-5);
  });
});
