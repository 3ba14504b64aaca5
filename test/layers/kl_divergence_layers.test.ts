// KLDivergenceAddLoss and KLDivergenceRegularizer against float64 closed forms computed here: the
// Monte Carlo estimate at the layer's own draw, the analytic KL of diagonal normals against N(0, 1),
// an end-to-end fit whose optimum is known in closed form, layer-made priors, save/load, bad input.
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {Independent} from '../../src/distributions/independent.js';
import {registerFileSystemRouter} from '../../src/io/file_system.js';
import {Normal} from '../../src/distributions/normal.js';
import {VariableDistribution} from '../../src/layers/dense_variational_v2.js';
import {independentNormal, negLogLik} from '../../src/layers/distribution_layer.js';
import {independentStandardNormal, KLDivergenceAddLoss, klDivergenceAddLoss, KLDivergenceRegularizer,
} from '../../src/layers/kl_divergence_layers.js';
import {variableLayer} from '../../src/layers/variable_layer.js';
import {ValueError} from '../../src/util/errors.js';

registerFileSystemRouter();

const sp = (v: number): number => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
const logN = (x: number, m: number, s: number): number => -0.5 * ((x - m) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
/** KL(N(m, s) ‖ N(0, 1)) in float64. */
const klStd = (m: number, s: number): number => 0.5 * (s * s + m * m - 1) - Math.log(s);

/** Parameters [B, 4] for IndependentNormal(eventShape 2): locs then untransformed scales. */
const PARAMS = [[0.3, -1.2, 0.1, -0.7], [1.5, 0.4, -0.9, 0.8], [-0.6, 2.0, 0.5, 0.0]];

/** A model: dense with identity kernel and zero bias (so the params are the input) → IndependentNormal(2) → … */
function encoder(tail: tf.layers.Layer[], reg?: KLDivergenceRegularizer): tf.Sequential {
  return tf.sequential({layers: [
    tf.layers.dense({inputShape: [4], units: 4, kernelInitializer: 'identity', biasInitializer: 'zeros'}),
    independentNormal({eventShape: 2, seed: 7, ...(reg === undefined ? {} : {activityRegularizer: reg})}),
    ...tail]});
}

/** float64 Σ_b Σ_d (log a(z) − log b(z)) for the params above, at draws z [B, 2]. */
function mcTerms(z: number[][]): number[] {
  return PARAMS.map((p, b) => [0, 1].reduce((s, d) => {
    const zz = (z[b] as number[])[d] as number;
    return s + logN(zz, p[d] as number, sp(p[d + 2] as number)) - logN(zz, 0, 1);
  }, 0));
}

const exactTerms = (): number[] => PARAMS.map((p) => [0, 1].reduce((s, d) => s + klStd(p[d] as number, sp(p[d + 2] as number)), 0));

describe('KLDivergenceAddLoss', () => {
  it('Monte Carlo (default): mean over the batch of log a(z) − log b(z) at the layer\'s own draw z, times weight', () => {
    const model = encoder([klDivergenceAddLoss({distributionB: independentStandardNormal({eventShape: 2}), weight: 3})]);
    const out = model.apply(tf.tensor2d(PARAMS)) as tf.Tensor;
    const z = out.arraySync() as number[][];
    const [loss] = model.calculateLosses();
    const t = mcTerms(z);
    expect(loss!.dataSync()[0]).toBeCloseTo(3 * t.reduce((a, b) => a + b, 0) / t.length, 4);
  });

  it('useExactKl: Σ over the batch of the analytic KL (TFP sums the per-member KL), times weight', () => {
    const prior = new Independent({distribution: new Normal({loc: tf.zeros([2]), scale: 1}), reinterpretedBatchNdims: 1});
    const model = encoder([klDivergenceAddLoss({distributionB: prior, useExactKl: true, weight: 0.5})]);
    model.apply(tf.tensor2d(PARAMS));
    const [loss] = model.calculateLosses();
    expect(loss!.dataSync()[0]).toBeCloseTo(0.5 * exactTerms().reduce((a, b) => a + b, 0), 4);
  });

  it('testPointsReduceAxis [] sums the per-member estimates; a testPointsFn supplies the test points', () => {
    const model = encoder([klDivergenceAddLoss({distributionB: independentStandardNormal({eventShape: 2}),
      testPointsReduceAxis: [], testPointsFn: (a) => a.mean()})]);
    model.apply(tf.tensor2d(PARAMS));
    const [loss] = model.calculateLosses();
    const locs = PARAMS.map((p) => [p[0] as number, p[1] as number]);
    expect(loss!.dataSync()[0]).toBeCloseTo(mcTerms(locs).reduce((a, b) => a + b, 0), 4);
  });

  it('passes its input through: the output equals it and negLogLik still sees the distribution', () => {
    const model = encoder([klDivergenceAddLoss({distributionB: independentStandardNormal({eventShape: 2})})]);
    const inner = tf.sequential({layers: [model.layers[0]!, model.layers[1]!]});
    const x = tf.tensor2d(PARAMS);
    const y = model.apply(x) as tf.Tensor;
    const y2 = tf.tensor2d([[0, 0], [1, 1], [2, -1]]);
    const nll = negLogLik(y2, y).arraySync() as number[];
    const expected = PARAMS.map((p, b) => -[0, 1].reduce((s, d) =>
      s + logN((y2.arraySync() as number[][])[b]![d]!, p[d] as number, sp(p[d + 2] as number)), 0));
    nll.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 4));
    expect(inner.layers.length).toBe(2);
  });

  it('trained with negLogLik: NLL + exact KL / B has its closed-form optimum μ = 1, σ = √2 for y = 3', async () => {
    // Per example: (3 − μ)²/(2σ²) + log σ + KL(N(μ, σ) ‖ N(0, 1)) is minimised at μσ² = 3 − μ, σ⁴ = (3 − μ)².
    const B = 16;
    const model = tf.sequential({layers: [
      tf.layers.dense({inputShape: [1], units: 2, useBias: false, kernelInitializer: 'zeros'}),
      independentNormal({eventShape: 1, seed: 3}),
      klDivergenceAddLoss({distributionB: independentStandardNormal({eventShape: 1}), useExactKl: true, weight: 1 / B})]});
    model.compile({optimizer: tf.train.adam(0.05), loss: negLogLik});
    const x = tf.ones([B, 1]);
    const y = tf.fill([B, 1], 3);
    await model.fit(x, y, {epochs: 1, batchSize: B, verbose: 0});   // Adam makes its slots
    const before = tf.memory().numTensors;
    await model.fit(x, y, {epochs: 400, batchSize: B, verbose: 0});
    expect(tf.memory().numTensors).toBe(before);
    const bias = model.layers[0]!.getWeights()[0]!.dataSync();
    expect(bias[0]).toBeCloseTo(1, 1);
    expect(sp(bias[1] as number)).toBeCloseTo(Math.SQRT2, 1);
  });

  it('a layer-made prior (VariableDistribution) lends its weight to the layer and is trained', async () => {
    const priorLoc = variableLayer({shape: [1]});
    const prior = new VariableDistribution(priorLoc, (t) => new Independent({
      distribution: new Normal({loc: t, scale: 1}), reinterpretedBatchNdims: 1}));
    const model = tf.sequential({layers: [
      tf.layers.dense({inputShape: [1], units: 2, useBias: false, kernelInitializer: 'zeros'}),
      independentNormal({eventShape: 1}),
      klDivergenceAddLoss({distributionB: prior, useExactKl: true})]});
    expect(model.trainableWeights.length).toBe(2);   // the kernel and the prior's loc
    model.compile({optimizer: tf.train.adam(0.05), loss: negLogLik});
    await model.fit(tf.ones([8, 1]), tf.fill([8, 1], 2), {epochs: 200, batchSize: 8, verbose: 0});
    // The prior follows the posterior's loc (which the data pulls towards 2).
    const mu = model.layers[0]!.getWeights()[0]!.dataSync()[0] as number;
    const m0 = priorLoc.getWeights()[0]!.dataSync()[0] as number;
    expect(mu).toBeGreaterThan(1);
    expect(Math.abs(m0 - mu)).toBeLessThan(0.2);
  });

  it('saves and loads with a registered prior; a Distribution instance is refused on save, naming distributionB', async () => {
    const model = encoder([klDivergenceAddLoss({distributionB: independentStandardNormal({eventShape: 2}), weight: 2})]);
    const dir = mkdtempSync(join(tmpdir(), 'tfp-kl-'));
    await model.save(`file://${dir}`);
    const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
    const layer = loaded.layers[2] as KLDivergenceAddLoss;
    expect(layer).toBeInstanceOf(KLDivergenceAddLoss);
    expect(layer.weight).toBe(2);
    expect(layer.testPointsReduceAxis).toBeNull();
    const x = tf.tensor2d(PARAMS);
    const z = (loaded.apply(x) as tf.Tensor).arraySync() as number[][];
    const t = mcTerms(z);
    expect(loaded.calculateLosses()[0]!.dataSync()[0]).toBeCloseTo(2 * t.reduce((a, b) => a + b, 0) / t.length, 4);

    const prior = new Independent({distribution: new Normal({loc: tf.zeros([2]), scale: 1}), reinterpretedBatchNdims: 1});
    const unsavable = encoder([klDivergenceAddLoss({distributionB: prior})]);
    expect(() => unsavable.layers[2]!.getConfig()).toThrow(/distributionB/);
  });

  it('bad input: a non-distribution input, bad options and unknown keys are ValueErrors naming the argument', () => {
    const layer = klDivergenceAddLoss({distributionB: independentStandardNormal({eventShape: 2})});
    expect(() => layer.apply(tf.zeros([3, 2]))).toThrow(ValueError);
    expect(() => layer.apply(tf.zeros([3, 2]))).toThrow(/distribution layer/);
    expect(() => klDivergenceAddLoss({distributionB: 3 as never})).toThrow(/distributionB/);
    expect(() => klDivergenceAddLoss({distributionB: independentStandardNormal({eventShape: 2}), weight: NaN})).toThrow(/weight/);
    expect(() => klDivergenceAddLoss({distributionB: independentStandardNormal({eventShape: 2}),
      testPointsReduceAxis: 'all' as never})).toThrow(/testPointsReduceAxis/);
    expect(() => klDivergenceAddLoss({distributionB: independentStandardNormal({eventShape: 2}),
      useExactKL: true} as never)).toThrow(/useExactKl/);
    const far = encoder([klDivergenceAddLoss({distributionB: independentStandardNormal({eventShape: 2}), testPointsReduceAxis: 5})]);
    far.apply(tf.tensor2d(PARAMS));
    expect(() => far.calculateLosses()).toThrow(/testPointsReduceAxis/);
    expect(() => independentStandardNormal({eventShape: 0})).toThrow(/eventShape/);
  });
});

describe('KLDivergenceRegularizer', () => {
  it('as a distribution layer\'s activityRegularizer: Σ_b weight·(log a(z_b) − log b(z_b)) / B at the layer\'s draw', () => {
    const reg = new KLDivergenceRegularizer({distributionB: independentStandardNormal({eventShape: 2}), weight: 2});
    expect(reg.testPointsReduceAxis).toEqual([]);
    const model = encoder([], reg);
    const z = (model.apply(tf.tensor2d(PARAMS)) as tf.Tensor).arraySync() as number[][];
    const [loss] = model.calculateLosses();
    const t = mcTerms(z);
    expect(loss!.dataSync()[0]).toBeCloseTo(2 * t.reduce((a, b) => a + b, 0) / t.length, 4);
  });

  it('exact KL, trained: the same closed-form optimum μ = 1, σ = √2 (Keras divides the activity loss by the batch)', async () => {
    const model = tf.sequential({layers: [
      tf.layers.dense({inputShape: [1], units: 2, useBias: false, kernelInitializer: 'zeros'}),
      independentNormal({eventShape: 1, activityRegularizer: new KLDivergenceRegularizer({
        distributionB: independentStandardNormal({eventShape: 1}), useExactKl: true})})]});
    model.compile({optimizer: tf.train.adam(0.05), loss: negLogLik});
    await model.fit(tf.ones([16, 1]), tf.fill([16, 1], 3), {epochs: 400, batchSize: 16, verbose: 0});
    const bias = model.layers[0]!.getWeights()[0]!.dataSync();
    expect(bias[0]).toBeCloseTo(1, 1);
    expect(sp(bias[1] as number)).toBeCloseTo(Math.SQRT2, 1);
  });

  it('round-trips through save/load inside the layer config; applied to a plain tensor it is a ValueError', async () => {
    const reg = new KLDivergenceRegularizer({distributionB: independentStandardNormal({eventShape: 2}),
      testPointsReduceAxis: null, weight: 0.25});
    const model = encoder([], reg);
    const dir = mkdtempSync(join(tmpdir(), 'tfp-klreg-'));
    await model.save(`file://${dir}`);
    const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
    const r = (loaded.layers[1] as unknown as {activityRegularizerFn: KLDivergenceRegularizer}).activityRegularizerFn;
    expect(r).toBeInstanceOf(KLDivergenceRegularizer);
    expect(r.weight).toBe(0.25);
    expect(r.testPointsReduceAxis).toBeNull();
    const z = (loaded.apply(tf.tensor2d(PARAMS)) as tf.Tensor).arraySync() as number[][];
    const t = mcTerms(z);
    // testPointsReduceAxis null: the mean over the batch, then the layer's division by B.
    expect(loaded.calculateLosses()[0]!.dataSync()[0]).toBeCloseTo(0.25 * t.reduce((a, b) => a + b, 0) / t.length / t.length, 4);
    expect(() => reg.apply(tf.zeros([2, 2]))).toThrow(ValueError);
    expect(() => new KLDivergenceRegularizer({distributionB: independentStandardNormal({eventShape: 2}),
      wieght: 1} as never)).toThrow(/wieght/);
  });

  it('memory: repeated forward passes and loss evaluations leave tf.memory().numTensors flat', () => {
    const model = encoder([klDivergenceAddLoss({distributionB: independentStandardNormal({eventShape: 2})})],
        new KLDivergenceRegularizer({distributionB: independentStandardNormal({eventShape: 2})}));
    const x = tf.tensor2d(PARAMS);
    const step = (): void => { tf.tidy(() => { model.apply(x); tf.addN(model.calculateLosses()); }); };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
  });
});
