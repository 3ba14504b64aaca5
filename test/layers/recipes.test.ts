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

describe('makePosteriorMeanField seeds', () => {
  it('two layers sharing one seeded fn start differently; the same seed reproduces both', () => {
    const locs = (): number[][] => {
      const fn = tfp.layers.util.makePosteriorMeanField({seed: 11});
      return [0, 1].map(() => {
        const layer = tfp.layers.denseVariational({units: 3, inputShape: [2], makePosteriorFn: fn,
          makePriorFn: tfp.layers.util.priorStandardNormal});
        layer.apply(tf.zeros([1, 2]));
        return Array.from((layer.posterior as {apply(x: tf.Tensor): tfp.distributions.Distribution})
            .apply(tf.zeros([1, 2])).mean().dataSync());
      });
    };
    const [a, b] = locs();
    expect(a).not.toEqual(b);
    expect(locs()).toEqual([a, b]);
  });
});

describe('makePriorNormal', () => {
  const build = (prior: tfp.layers.MakeDistributionFn): tfp.layers.DenseVariational => {
    const layer = tfp.layers.denseVariational({units: 2, inputShape: [3], klUseExact: true,
      makePosteriorFn: tfp.layers.util.makePosteriorMeanField({initialScale: 0.1, seed: 2}), makePriorFn: prior});
    layer.apply(tf.ones([1, 3]));
    return layer;
  };

  for (const s of [0.5, 1, 2]) {
    it(`fixed N(0, ${s}²): the exact KL is Σ log(s/σ) + (σ² + μ²)/(2s²) − ½ (closed form)`, () => {
      const layer = build(tfp.layers.util.makePriorNormal({scale: s}));
      expect(layer.weights.length).toBe(1);   // the posterior's only
      const q = (layer.posterior as {apply(x: tf.Tensor): tfp.distributions.Distribution}).apply(tf.ones([1, 3]));
      const mu = Array.from(q.mean().dataSync());
      const sig = Array.from(q.stddev().dataSync());
      const want = mu.reduce((acc, m, i) => acc + Math.log(s / sig[i]!) + (sig[i]! ** 2 + m * m) / (2 * s * s) - 0.5, 0);
      expect(layer.kl().dataSync()[0]).toBeCloseTo(want, 3);
    });
  }

  it('{trainable: true} owns a prior loc (zeros, named prior) and round-trips through save/load', async () => {
    const model = tf.sequential({layers: [tfp.layers.denseVariational({units: 2, inputShape: [3], klUseExact: true,
      makePosteriorFn: tfp.layers.util.makePosteriorMeanField({seed: 3}),
      makePriorFn: tfp.layers.util.makePriorNormal({scale: 0.3, trainable: true})})]});
    const x = tf.ones([2, 3]);
    model.predict(x);
    const layer = model.layers[0] as tfp.layers.DenseVariational;
    const prior = layer.weights.find((w) => w.name.includes('prior'))!;
    expect(prior.shape).toEqual([8]);
    expect(Array.from(prior.read().dataSync())).toEqual(new Array(8).fill(0));
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => {
      saved = a;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }));
    expect(JSON.stringify(saved!.modelTopology)).toMatch(/"PriorNormalWith","config":\{"scale":0\.3,"trainable":true\}/);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    loaded.predict(x);
    const kl = (m: tf.LayersModel): number => (m.layers[0] as tfp.layers.DenseVariational).kl().dataSync()[0]!;
    expect(kl(loaded)).toBeCloseTo(kl(model), 4);
  });

  it('refuses bad options with a ValueError naming the argument and the value', () => {
    expect(() => tfp.layers.util.makePriorNormal({scale: 0})).toThrow(/scale must be a finite number > 0; got 0/);
    expect(() => tfp.layers.util.makePriorNormal({trainable: 1 as never})).toThrow(/trainable must be a boolean; got 1/);
    expect(() => tfp.layers.util.makePriorNormal({scal: 1} as never)).toThrow(/scal/);
    expect(() => tfp.layers.util.makePosteriorMeanField({name: 'x'} as never)).toThrow(/name/);
  });
});

describe('trainableNormalPriorFn', () => {
  it('is N(0, s²) with one trainable s per kernel: the KL is the closed form, and s moves in training', async () => {
    const layer = tfp.layers.denseReparameterization({units: 3, inputShape: [2], seed: 5,
      kernelPriorFn: tfp.layers.util.trainableNormalPriorFn({initialScale: 0.5})});
    const model = tf.sequential({layers: [layer]});
    model.predict(tf.ones([1, 2]));
    const names = layer.weights.map((w) => w.name);
    expect(names.some((n) => n.endsWith('kernel_prior_untransformed_scale'))).toBe(true);
    const [mu, u] = layer.getWeights().map((t) => Array.from(t.dataSync()));
    // KL(N(μ, σ²) ‖ N(0, s²)) = log(s/σ) + (σ² + μ²)/(2s²) − ½, σ = eps + softplus(u), s = 0.5.
    const s = 0.5;
    const want = mu!.reduce((acc, m, i) => {
      const sig = 1.1920929e-7 + Math.log1p(Math.exp(u![i]!));
      return acc + Math.log(s / sig) + (sig * sig + m * m) / (2 * s * s) - 0.5;
    }, 0);
    expect(layer.kl().dataSync()[0]).toBeCloseTo(want, 3);
    const priorScale = (): number => {
      const w = layer.weights.find((v) => v.name.endsWith('kernel_prior_untransformed_scale'))!;
      return Math.log1p(Math.exp(w.read().dataSync()[0]!));
    };
    expect(priorScale()).toBeCloseTo(0.5, 6);
    model.compile({optimizer: tf.train.adam(0.05), loss: 'meanSquaredError'});
    await model.fit(tf.ones([8, 2]), tf.zeros([8, 3]), {epochs: 5, verbose: 0});
    expect(priorScale()).not.toBeCloseTo(0.5, 3);
    expect(() => tfp.layers.util.trainableNormalPriorFn({initialScale: 0})).toThrow(/initialScale must be a finite number > 0/);
  });
});
