// IndependentNormal's scale floor and learned (homoscedastic) scale: closed forms, a fit that
// recovers the true noise, shapes, save/load, typed errors.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {ValueError} from '../../src/util/errors.js';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

describe('IndependentNormal scaleFloor', () => {
  it('σ = floor + softplus(u) and logProb is the Normal formula (float64 here)', () => {
    const layer = tfp.layers.independentNormal({eventShape: 1, scaleFloor: 0.25, convertToTensorFn: 'mean'});
    const params = tf.tensor2d([[1.5, -2], [0, 3]]);
    const y = layer.apply(params) as tf.Tensor;
    const d = tfp.layers.distributionOf(y)!;
    const sig = [0.25 + Math.log1p(Math.exp(-2)), 0.25 + Math.log1p(Math.exp(3))];
    const s = Array.from(d.stddev().dataSync());
    s.forEach((v, i) => expect(v).toBeCloseTo(sig[i]!, 6));
    const target = tf.tensor2d([[1], [-1]]);
    const lp = Array.from(d.logProb(target).dataSync());
    const want = [[1, 1.5, sig[0]!], [-1, 0, sig[1]!]].map(([t, m, sd]) => -0.5 * ((t! - m!) / sd!) ** 2 - Math.log(sd!) - LOG_SQRT_2PI);
    lp.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    expect(layer.getConfig()['scaleFloor']).toBe(0.25);
    expect(Object.keys(tfp.layers.independentNormal({eventShape: 1}).getConfig())).not.toContain('scaleFloor');
  });
});

describe('IndependentNormal learnedScale', () => {
  it('takes only the locs, starts at initialScale, and learns the true noise σ = 0.5 of y = 2x + ε', async () => {
    expect(tfp.layers.IndependentNormal.paramsSize(3, {learnedScale: true})).toBe(3);
    expect(tfp.layers.IndependentNormal.paramsSize(3)).toBe(6);
    const model = tf.sequential({layers: [
      tf.layers.dense({units: 1, inputShape: [1]}),
      tfp.layers.independentNormal({eventShape: 1, learnedScale: true, initialScale: 2, scaleFloor: 1e-3}),
    ]});
    const probe = tfp.layers.distributionOf(model.apply(tf.zeros([4, 1])) as tf.Tensor)!;
    expect(probe.stddev().shape).toEqual([4, 1]);
    expect(probe.stddev().dataSync()[0]).toBeCloseTo(2, 5);
    const N = 2000;
    const x = tf.randomUniform([N, 1], -1, 1, 'float32', 1);
    const y = tf.add(tf.mul(x, 2), tf.randomNormal([N, 1], 0, 0.5, 'float32', 2));
    model.compile({optimizer: tf.train.adam(0.05), loss: tfp.layers.negLogLik});
    await model.fit(x, y, {epochs: 30, batchSize: 100, verbose: 0});
    const sigma = tfp.layers.distributionOf(model.apply(tf.zeros([1, 1])) as tf.Tensor)!.stddev().dataSync()[0]!;
    // The MLE of σ from N = 2000 draws has SE 0.5/√(2N) ≈ 0.008; 0.03 allows for the fit.
    expect(Math.abs(sigma - 0.5)).toBeLessThan(0.03);
    expect(model.trainableWeights.map((w) => w.name)).toContain(`${model.layers[1]!.name}/untransformed_scale`);
  });

  it('round-trips save/load with its learned value', async () => {
    const model = tf.sequential({layers: [
      tf.layers.dense({units: 2, inputShape: [3]}),
      tfp.layers.independentNormal({eventShape: 2, learnedScale: true, initialScale: 0.7, scaleFloor: 0.01}),
    ]});
    const x = tf.ones([2, 3]);
    model.predict(x);
    const layer = model.layers[1]!;
    layer.setWeights([tf.tensor1d([0.3, -1.2])]);
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => {
      saved = a;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    const sd = (m: tf.LayersModel): number[] => Array.from(tfp.layers.distributionOf(m.apply(x) as tf.Tensor)!.stddev().dataSync());
    expect(sd(loaded)).toEqual(sd(model));
    expect(sd(model)[1]).toBeCloseTo(0.01 + Math.log1p(Math.exp(-1.2)), 6);
  });

  it('keeps the batch axis: [null, D] locs → [null, D] draws, one σ per output, in a sequential model', () => {
    const model = tf.sequential({layers: [
      tf.layers.dense({units: 3, inputShape: [4]}),
      tfp.layers.independentNormal({eventShape: 3, learnedScale: true, initialScale: 0.3}),
    ]});
    expect(model.outputs[0]!.shape).toEqual([null, 3]);
    const y = model.apply(tf.ones([5, 4])) as tf.Tensor;
    expect(y.shape).toEqual([5, 3]);
    const d = tfp.layers.distributionOf(y)!;
    expect([d.batchShape, d.eventShape]).toEqual([[5], [3]]);
    for (const v of d.stddev().dataSync()) expect(v).toBeCloseTo(0.3, 6);
    expect(model.layers[1]!.getWeights()[0]!.shape).toEqual([3]);
  });

  const bad: Array<[string, () => unknown, RegExp]> = [
    ['scaleFloor -1', () => tfp.layers.independentNormal({scaleFloor: -1}), /scaleFloor must be a finite number ≥ 0; got -1/],
    ['scaleFloor NaN', () => tfp.layers.independentNormal({scaleFloor: NaN}), /scaleFloor.*got NaN/],
    ['learnedScale "yes"', () => tfp.layers.independentNormal({learnedScale: 'yes' as never}), /learnedScale must be a boolean; got "yes"/],
    ['initialScale without learnedScale', () => tfp.layers.independentNormal({initialScale: 2}), /initialScale applies with learnedScale: true only; got 2/],
    ['initialScale ≤ scaleFloor', () => tfp.layers.independentNormal({learnedScale: true, scaleFloor: 1, initialScale: 0.5}),
      /initialScale must be a finite number > scaleFloor \(1\); got 0\.5/],
    ['misspelt scaleFlor', () => tfp.layers.independentNormal({scaleFlor: 1} as never), /scaleFlor.*scaleFloor/],
    ['learned, input of 2 for eventShape 1', () => tfp.layers.independentNormal({learnedScale: true}).apply(tf.zeros([2, 2])),
      /paramsSize\(eventShape \[1\]\) = 1; got input shape \[2,2\]/],
  ];
  for (const [what, provoke, message] of bad) {
    it(`refuses ${what} with a ValueError naming the argument and the value`, () => {
      let error: unknown;
      try {
        provoke();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValueError);
      expect((error as Error).message).toMatch(message);
    });
  }
});
