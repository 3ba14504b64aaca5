// tfp.predictive.predictEnsemble / trainEnsemble: an ensemble of identical members is that member
// (mixture mean = its prediction, zero mutual information); [K, N, C]; seeds; typed errors.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {expectTypedError} from '../helpers/typed_error.js';
import {expectClose, testSeed} from '../helpers/oracles.js';

function net(seed: number, classes = 3, activation: 'softmax' | 'linear' = 'softmax'): tf.Sequential {
  return tf.sequential({layers: [
    tf.layers.dense({inputShape: [4], units: 6, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({seed})}),
    tf.layers.dense({units: classes, activation, kernelInitializer: tf.initializers.glorotUniform({seed: seed + 1})}),
  ]});
}

describe('predictEnsemble', () => {
  const seed = testSeed();
  const x = tf.randomNormal([7, 4], 0, 1, 'float32', seed);

  it('an ensemble of identical members equals the member: every slice, the mixture mean, MI = 0', () => {
    const m = net(seed);
    const one = (m.predict(x) as tf.Tensor).arraySync() as number[][];
    const probs = tfp.predictive.predictEnsemble([m, m, m], x, {batchSize: 3});
    expect(probs.shape).toEqual([3, 7, 3]);
    for (const s of probs.arraySync()) expect(s).toEqual(one);
    const summary = tfp.predictive.summarize(probs);
    expectClose(summary.mean, one.flat(), 1e-7, 1e-6);
    expect(Math.max(...summary.mutualInformation.dataSync())).toBeLessThan(1e-6);
    tfp.predictive.disposeSummary(summary);
  });

  it('different members: [K, N, C] of each member\'s prediction; logits get a softmax; memory: one tensor left', () => {
    const members = [net(1, 3, 'linear'), net(2, 3, 'linear')];
    const before = tf.memory().numTensors;
    const probs = tfp.predictive.predictEnsemble(members, x, {outputs: 'logits'});
    expect(tf.memory().numTensors).toBe(before + 1);
    members.forEach((m, k) => expectClose(tf.tidy(() => tf.softmax(m.predict(x) as tf.Tensor)),
        (probs.arraySync()[k] as number[][]).flat(), 1e-7, 1e-6));
    probs.dispose();
  });

  for (const bad of [
    {what: 'an empty array', provoke: () => tfp.predictive.predictEnsemble([], x), message: /models must be a non-empty array/},
    {what: 'a member that is not a model', provoke: () => tfp.predictive.predictEnsemble([net(1), {} as never], x),
      message: /models\[1\] must have a predict method/},
    {what: 'members with different C', provoke: () => tfp.predictive.predictEnsemble([net(1, 3), net(2, 4)], x),
      message: /every member must predict the same \[N, C\]; models\[0\] gave \[7,3\], models\[1\] gave \[7,4\]/},
    {what: 'bad batchSize', provoke: () => tfp.predictive.predictEnsemble([net(1)], x, {batchSize: 0}),
      message: /batchSize must be a positive integer; got 0/},
  ]) {
    it(`refuses ${bad.what}`, () => expectTypedError(bad, 8));
  }
});

describe('trainEnsemble', () => {
  it('builds K members from distinct seeds (same base seed → same seeds) and trains each once', async () => {
    const run = async (base: number): Promise<number[]> => {
      const seeds: number[] = [];
      const trained: number[] = [];
      const models = await tfp.predictive.trainEnsemble((s, k) => {
        seeds.push(s);
        expect(k).toBe(seeds.length - 1);
        return net(s);
      }, async (_m, k) => { trained.push(k); }, {members: 4, seed: base});
      expect(models.length).toBe(4);
      expect(trained).toEqual([0, 1, 2, 3]);
      models.forEach((m) => m.dispose());
      return seeds;
    };
    const a = await run(1);
    expect(new Set(a).size).toBe(4);
    expect(await run(1)).toEqual(a);
    expect(await run(2)).not.toEqual(a);
  });

  it('members fitted with model.fit differ from each other (their seeds differ)', async () => {
    const xs = tf.randomNormal([32, 4], 0, 1, 'float32', 3);
    const ys = tf.oneHot(tf.randomUniform([32], 0, 3, 'int32', 4), 3);
    const members = await tfp.predictive.trainEnsemble((s) => {
      const m = net(s);
      m.compile({optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy'});
      return m;
    }, (m) => m.fit(xs, ys, {epochs: 2, verbose: 0}), {members: 3, seed: 9});
    const probs = tfp.predictive.predictEnsemble(members, xs);
    const s = tfp.predictive.summarize(probs);
    expect(Math.max(...s.mutualInformation.dataSync())).toBeGreaterThan(1e-4);
  });

  it('disposes the members built so far when training fails, and rethrows', async () => {
    const built: tf.LayersModel[] = [];
    await expect(tfp.predictive.trainEnsemble((s) => { const m = net(s); built.push(m); return m; },
        async (_m, k) => { if (k === 1) throw new Error('boom'); }, {members: 3})).rejects.toThrow('boom');
    expect(built.length).toBe(2);
    // A disposed model refuses to be disposed again.
    for (const m of built) expect(() => m.dispose()).toThrow(/already disposed/);
  });

  it('refuses members 0 and a build that returns no model', async () => {
    await expect(tfp.predictive.trainEnsemble(() => net(1), async () => {}, {members: 0}))
        .rejects.toThrow(/members must be a positive integer; got 0/);
    await expect(tfp.predictive.trainEnsemble(() => ({}) as never, async () => {}, {members: 1}))
        .rejects.toThrow(/build\(seed, 0\) must return a tf.LayersModel/);
  });
});
