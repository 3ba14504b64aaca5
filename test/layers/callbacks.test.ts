// elboLogger (nll + kl = loss in history), KL annealing schedules and callback, klWeight /
// scaleKLByExamples (saved), setKLBeta; memory flat over fits with the callbacks.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';

const {ValueError} = tfp.util;
const N = 64;

function data(): {x: tf.Tensor2D; y: tf.Tensor2D} {
  const x = tf.randomUniform([N, 3], -1, 1, 'float32', 11) as tf.Tensor2D;
  const y = tf.tidy(() => tf.add(tf.sum(x, 1, true), tf.randomNormal([N, 1], 0, 0.1, 'float32', 12))) as tf.Tensor2D;
  return {x, y};
}

function bnn(): tf.Sequential {
  const model = tf.sequential({layers: [
    tfp.layers.denseFlipout({units: 8, activation: 'relu', inputShape: [3], seed: 1}),
    tfp.layers.denseVariational({units: 1, seed: 2, klUseExact: true,
      makePosteriorFn: tfp.layers.util.posteriorMeanField, makePriorFn: tfp.layers.util.priorStandardNormal}),
  ]});
  return model;
}

function history(h: tf.History, key: string): number[] {
  return h.history[key] as number[];
}

describe('elboLogger', () => {
  it('puts nll and kl into history with nll + kl == loss on a real fit', async () => {
    const {x, y} = data();
    const model = bnn();
    expect(tfp.layers.scaleKLByExamples(model, N)).toBe(2);
    model.compile({optimizer: tf.train.adam(0.01), loss: 'meanSquaredError'});
    const h = await model.fit(x, y, {epochs: 3, batchSize: 16, verbose: 0, callbacks: [tfp.layers.elboLogger()]});
    const loss = history(h, 'loss');
    const nll = history(h, 'nll');
    const kl = history(h, 'kl');
    expect(nll.length).toBe(3);
    loss.forEach((l, i) => {
      expect(Math.abs(nll[i]! + kl[i]! - l)).toBeLessThan(1e-5 * Math.max(1, Math.abs(l)));
      expect(kl[i]).toBeGreaterThan(0);
    });
  });

  it('logs the KL inside each step: with a zero learning rate it equals the analytic KL/N, times β', async () => {
    const {x, y} = data();
    const model = bnn();
    tfp.layers.scaleKLByExamples(model, N);
    model.compile({optimizer: tf.train.sgd(0), loss: 'meanSquaredError'});
    model.predict(x);
    // Both layers' divergences are analytic (no sample), so the value is fixed while the weights are.
    const kl0 = tfp.layers.totalDivergence(model).dataSync()[0] as number;
    // β per batch 0, 0.25, 0.5, 0.75 (linear over 4 steps; 4 batches per epoch), then 1 in epoch 2.
    const h = await model.fit(x, y, {epochs: 2, batchSize: 16, verbose: 0, shuffle: false, callbacks: [
      tfp.layers.klAnnealing({steps: 4}), tfp.layers.elboLogger()]});
    const kl = history(h, 'kl');
    expect(kl[0]).toBeCloseTo(kl0 * (0 + 0.25 + 0.5 + 0.75) / 4, 5);
    expect(kl[1]).toBeCloseTo(kl0, 5);
  });
});

describe('KL annealing', () => {
  it('linear schedule: β(t) = start + (end − start)·min(1, t / steps)', () => {
    const beta = tfp.layers.klAnnealingSchedule({steps: 10});
    expect([0, 5, 10, 20].map(beta)).toEqual([0, 0.5, 1, 1]);
    const b2 = tfp.layers.klAnnealingSchedule({steps: 4, start: 0.2, end: 1});
    expect(b2(2)).toBeCloseTo(0.6, 12);
  });

  it('cyclical schedule (Fu et al. 2019, R = 0.5): rises over half of each cycle, then holds', () => {
    const beta = tfp.layers.klAnnealingSchedule({schedule: 'cyclical', steps: 100});
    expect([0, 25, 50, 99, 100, 125, 150].map(beta)).toEqual([0, 0.5, 1, 1, 0, 0.5, 1]);
    const limited = tfp.layers.klAnnealingSchedule({schedule: 'cyclical', steps: 100, cycles: 2, ratio: 0.25});
    expect([10, 25, 110, 200, 210].map(limited)).toEqual([0.4, 1, 0.4, 1, 1]);
  });

  it('the callback sets β on every Bayesian layer before each batch (per batch and per epoch)', async () => {
    const {x, y} = data();
    for (const per of ['batch', 'epoch'] as const) {
      const model = bnn();
      model.compile({optimizer: tf.train.sgd(0), loss: 'meanSquaredError'});
      const seen: number[][] = [];
      const recorder = new tf.CustomCallback({onBatchBegin: () => {
        seen.push(tfp.layers.bayesianLayers(model).map((l) => l.klBeta));
      }});
      await model.fit(x, y, {epochs: 2, batchSize: 32, verbose: 0, callbacks: [
        tfp.layers.klAnnealing({steps: 2, per}), recorder]});
      const want = per === 'batch' ? [0, 0.5, 1, 1] : [0, 0, 0.5, 0.5];
      expect(seen).toEqual(want.map((b) => [b, b]));
      tfp.layers.setKLBeta(model, 1);
      expect(tfp.layers.bayesianLayers(model).map((l) => l.klBeta)).toEqual([1, 1]);
    }
  });

  it('keeps tf.memory().numTensors flat over fits with both callbacks', async () => {
    const {x, y} = data();
    const model = bnn();
    model.compile({optimizer: tf.train.adam(0.01), loss: 'meanSquaredError'});
    const callbacks = (): tf.Callback[] => [tfp.layers.klAnnealing({steps: 3}), tfp.layers.elboLogger()];
    await model.fit(x, y, {epochs: 1, batchSize: 16, verbose: 0, callbacks: callbacks()});
    const before = tf.memory().numTensors;
    await model.fit(x, y, {epochs: 3, batchSize: 16, verbose: 0, callbacks: callbacks()});
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses bad options by name', () => {
    expect(() => tfp.layers.klAnnealing(undefined as never)).toThrow(/steps/);
    expect(() => tfp.layers.klAnnealing({steps: 0})).toThrow(ValueError);
    expect(() => tfp.layers.klAnnealing({steps: 3, stpes: 4} as never)).toThrow(/stpes/);
    expect(() => tfp.layers.klAnnealing({steps: 3, ratio: 0.5})).toThrow(/cyclical/);
    expect(() => tfp.layers.klAnnealingSchedule({schedule: 'cyclical', steps: 3, ratio: 0})).toThrow(/ratio/);
    expect(() => tfp.layers.klAnnealingSchedule({schedule: 'cosine' as never, steps: 3})).toThrow(/schedule/);
    expect(() => tfp.layers.klAnnealingSchedule({steps: 3})(-1)).toThrow(/step/);
  });
});

describe('klWeight, scaleKLByExamples, setKLBeta', () => {
  it('multiply the divergence each layer adds, and klWeight survives save/load', async () => {
    const model = tf.sequential({layers: [tfp.layers.denseReparameterization({units: 2, inputShape: [3], seed: 3})]});
    const layer = model.layers[0] as tfp.layers.VariationalLayer;
    const x = tf.ones([1, 3]);
    model.predict(x);
    const kl1 = layer.kl().dataSync()[0] as number;
    expect(Object.keys(layer.getConfig())).not.toContain('klWeight');
    tfp.layers.scaleKLByExamples(model, 50);
    expect(layer.kl().dataSync()[0]).toBeCloseTo(kl1 / 50, 5);
    tfp.layers.setKLBeta(model, 0.5);
    expect(layer.kl().dataSync()[0]).toBeCloseTo(kl1 / 100, 5);
    tfp.layers.setKLBeta(model, 1);
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => {
      saved = a;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    const l2 = loaded.layers[0] as tfp.layers.VariationalLayer;
    expect(l2.klWeight).toBeCloseTo(1 / 50, 12);
    loaded.predict(x);
    expect(l2.kl().dataSync()[0]).toBeCloseTo(kl1 / 50, 5);
  });

  it('refuse bad values by name', () => {
    const model = tf.sequential({layers: [tfp.layers.denseFlipout({units: 1, inputShape: [1]})]});
    expect(() => tfp.layers.scaleKLByExamples(model, 0)).toThrow(/numExamples/);
    expect(() => tfp.layers.scaleKLByExamples(model, 1.5)).toThrow(ValueError);
    expect(() => tfp.layers.setKLBeta(model, -1)).toThrow(/beta/);
    expect(() => tfp.layers.setKLBeta(model, NaN)).toThrow(ValueError);
    expect(() => tfp.layers.denseFlipout({units: 1, klWeight: -2})).toThrow(/klWeight/);
    expect(() => tfp.layers.setKLBeta(null as never, 1)).toThrow(/target/);
  });
});
