// makePosteriorMeanField: the DenseVariational posterior with options; initial values as stated,
// savable with its options, typed errors. (Its effect on Boston housing is in docs/REGRESSION.md.)
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';

describe('makePosteriorMeanField', () => {
  it('starts at σ = initialScale and locs ~ N(0, locStddev) (sample stddev within 5 SE)', () => {
    const layer = tfp.layers.denseVariational({units: 50, inputShape: [13], klUseExact: true,
      makePosteriorFn: tfp.layers.util.makePosteriorMeanField({initialScale: 0.02, locStddev: 0.2, seed: 3}),
      makePriorFn: tfp.layers.util.priorStandardNormal});
    layer.apply(tf.zeros([1, 13]));
    const q = (layer.posterior as {apply(x: tf.Tensor): tfp.distributions.Distribution}).apply(tf.zeros([1, 13]));
    const sd = Array.from(q.stddev().dataSync());
    sd.forEach((v) => expect(v).toBeCloseTo(0.02, 6));
    const loc = Array.from(q.mean().dataSync());
    const n = loc.length;   // 13·50 + 50 = 700
    expect(n).toBe(700);
    const m = loc.reduce((a, b) => a + b, 0) / n;
    const s = Math.sqrt(loc.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1));
    expect(Math.abs(m)).toBeLessThan(5 * 0.2 / Math.sqrt(n));
    expect(Math.abs(s - 0.2)).toBeLessThan(5 * 0.2 / Math.sqrt(2 * n));
  });

  it('round-trips through save/load with its options', async () => {
    const model = tf.sequential({layers: [tfp.layers.denseVariational({units: 2, inputShape: [3], seed: 4,
      makePosteriorFn: tfp.layers.util.makePosteriorMeanField({initialScale: 0.05, scaleFloor: 1e-4}),
      makePriorFn: tfp.layers.util.priorTrainable})]});
    const x = tf.ones([2, 3]);
    model.predict(x);
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => {
      saved = a;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }));
    expect(JSON.stringify(saved!.modelTopology)).toContain('"PosteriorMeanFieldWith"');
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    const mean = (m: tf.LayersModel): number[] => Array.from(tfp.layers.withPosteriorMean(m, () => (m.predict(x) as tf.Tensor).dataSync()));
    expect(mean(loaded)).toEqual(mean(model));
  });

  it('refuses bad options by name; TFP\'s posteriorMeanField is unchanged (σ starts at 1 + 1e-5)', () => {
    expect(() => tfp.layers.util.makePosteriorMeanField({initialScale: 0})).toThrow(/initialScale must be/);
    expect(() => tfp.layers.util.makePosteriorMeanField({locStddev: -1})).toThrow(/locStddev/);
    expect(() => tfp.layers.util.makePosteriorMeanField({initScale: 1} as never)).toThrow(/initScale/);
    const layer = tfp.layers.denseVariational({units: 1, inputShape: [2],
      makePosteriorFn: tfp.layers.util.posteriorMeanField, makePriorFn: tfp.layers.util.priorTrainable});
    layer.apply(tf.zeros([1, 2]));
    const q = (layer.posterior as {apply(x: tf.Tensor): tfp.distributions.Distribution}).apply(tf.zeros([1, 2]));
    expect(q.stddev().dataSync()[0]).toBeCloseTo(1 + 1e-5, 5);
  });
});
