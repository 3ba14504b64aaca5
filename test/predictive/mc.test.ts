import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {layers, predictive} from 'tfjs-probability';

/** A stochastic stand-in for a Bayesian model: random softmax probabilities per call. */
function noisyModel(c: number): predictive.Predictor {
  let seed = 1;
  return {
    predict: (x: tf.Tensor) => tf.tidy(() =>
      tf.softmax(tf.randomNormal([x.shape[0]!, c], 0, 1, 'float32', seed++))),
  };
}

describe('predictMC', () => {
  it('returns [S, N, C] probabilities with fresh draws per pass', () => {
    const x = tf.zeros([6, 4]);
    const probs = predictive.predictMC(noisyModel(3), x, {samples: 5});
    expect(probs.shape).toEqual([5, 6, 3]);
    const sums = probs.sum(-1).arraySync() as number[][];
    sums.flat().forEach((v) => expect(v).toBeCloseTo(1, 5));
    const arr = probs.arraySync();
    expect(arr[0]![0]).not.toEqual(arr[1]![0]);
    tf.dispose([x, probs]);
  });

  it('leaves tf.memory().numTensors where it started once the result is disposed', () => {
    const model = tf.sequential({layers: [tf.layers.dense({inputShape: [4], units: 3, activation: 'softmax'})]});
    const x = tf.ones([10, 4]);
    const start = tf.memory().numTensors;
    const probs = predictive.predictMC(model, x, {samples: 7, batchSize: 3});
    expect(tf.memory().numTensors).toBe(start + 1);
    probs.dispose();
    expect(tf.memory().numTensors).toBe(start);
    // A deterministic model gives S identical draws: zero epistemic uncertainty.
    const again = predictive.predictMC(model, x, {samples: 3});
    const s = predictive.summarize(again);
    s.mutualInformation.dataSync().forEach((v) => expect(v).toBeCloseTo(0, 6));
    predictive.disposeSummary(s);
    tf.dispose([again, x]);
    model.dispose();
  });

  it('applies a softmax to logits and reports progress', () => {
    const model = {predict: (x: tf.Tensor) => tf.zeros([x.shape[0]!, 4])};
    const seen: number[] = [];
    const probs = predictive.predictMC(model, tf.zeros([2, 1]),
        {samples: 3, outputs: 'logits', onSample: (d) => seen.push(d)});
    (probs.arraySync() as number[][][]).flat(2).forEach((v) => expect(v).toBeCloseTo(0.25, 6));
    expect(seen).toEqual([1, 2, 3]);
  });

  it('refuses non-positive samples and batchSize', () => {
    const x = tf.zeros([2, 1]);
    expect(() => predictive.predictMC(noisyModel(2), x, {samples: 0})).toThrowError(/samples must be a positive integer; got 0/);
    expect(() => predictive.predictMC(noisyModel(2), x, {batchSize: 1.5})).toThrowError(/batchSize must be a positive integer; got 1.5/);
  });

  it('refuses samples above MAX_MC_SAMPLES (10^6) up front, without a single pass', () => {
    let calls = 0;
    const model = {predict: (x: tf.Tensor) => { calls += 1; return tf.zeros([x.shape[0]!, 2]); }};
    expect(predictive.MAX_MC_SAMPLES).toBe(1e6);
    for (const samples of [2 ** 40, 1e9, 1e6 + 1]) {
      expect(() => predictive.predictMC(model, tf.zeros([1, 1]), {samples})).toThrowError(
          new RegExp(`^predictMC: samples must be at most 1000000 \\(MAX_MC_SAMPLES\\); got ${samples}\\.$`));
    }
    expect(calls).toBe(0);
  });

  it('refuses a result [S, N, C] over 2^31 − 1 elements: S·N before any pass, S·N·C after the first', () => {
    let calls = 0;
    const model = {predict: (x: tf.Tensor) => { calls += 1; return tf.zeros([x.shape[0]!, 3000]); }};
    expect(() => predictive.predictMC(model, tf.zeros([5000, 1]), {samples: 1e6})).toThrowError(
        /^predictMC: the result \[samples, N, C\] must have at most 2\^31 − 1 .*\(C ≥ 1\); got shape \[1000000,5000\]/);
    expect(calls).toBe(0);
    const before = tf.memory().numTensors;
    expect(() => predictive.predictMC(model, tf.zeros([1000, 1]), {samples: 1000})).toThrowError(
        /^predictMC: the result \[samples, N, C\] must have at most .*got shape \[1000,1000,3000\]/);
    expect(calls).toBe(1);
    expect(tf.memory().numTensors).toBe(before + 1);  // the input; the first draw was disposed
  });

  it('refuses a model without predict, and an x that is not a tensor (a nested array is not converted)', () => {
    const m = noisyModel(2);
    expect(() => predictive.predictMC(null as unknown as predictive.Predictor, tf.zeros([1, 1]))).toThrowError(
        /^predictMC: model must have a predict method \(a tf\.LayersModel or tf\.Sequential\); got null\.$/);
    expect(() => predictive.predictMC(m, null as unknown as tf.Tensor)).toThrowError(/^predictMC: x must be a tf\.Tensor; got null\.$/);
    expect(() => predictive.predictMC(m, [[1, 2]] as unknown as tf.Tensor)).toThrowError(
        /^predictMC: x must be a tf\.Tensor \(convert a nested array with tf\.tensor2d\(x\), as for model\.predict\); got \[\[1,2\]\]\.$/);
    const gone = tf.zeros([1, 1]);
    gone.dispose();
    expect(() => predictive.predictMC(m, gone)).toThrowError(/^predictMC: x must not be disposed/);
  });

  it('draws the weights once per sample across batches by default (drawPer "sample"), per call with "call"', () => {
    const model = tf.sequential({layers: [
      layers.denseFlipout({units: 4, activation: 'relu', inputShape: [2], seed: 1}),
      layers.denseReparameterization({units: 3, activation: 'softmax', seed: 2}),
    ]});
    for (const l of layers.variationalLayers(model)) {
      const w = l.getWeights();
      l.setWeights([w[0]!, tf.zerosLike(w[1]!), ...w.slice(2)]);   // σ = softplus(0): visible noise
    }
    // Rows 0 and 3 are equal and fall in different batches of 2.
    const x = tf.tensor2d([[1, 2], [0, -1], [3, 1], [1, 2]]);
    const perSample = predictive.predictMC(model, x, {samples: 4, batchSize: 2}).arraySync();
    const perCall = predictive.predictMC(model, x, {samples: 4, batchSize: 2, drawPer: 'call'}).arraySync();
    for (let s = 0; s < 4; s++) {
      expect(perSample[s]![3]).toEqual(perSample[s]![0]);
      expect(perCall[s]![3]).not.toEqual(perCall[s]![0]);
    }
    expect(perSample[1]![0]).not.toEqual(perSample[0]![0]);
    expect(() => predictive.predictMC(model, x, {drawPer: 'batch'} as never)).toThrow(/drawPer must be one of/);
  });

  it('refuses null options, unknown keys (suggesting the right one), bad outputs and onSample', () => {
    const m = noisyModel(2);
    const x = tf.zeros([1, 1]);
    expect(() => predictive.predictMC(m, x, null as unknown as predictive.PredictMCArgs)).toThrowError(/^predictMC: args must be an object; got null\.$/);
    expect(() => predictive.predictMC(m, x, {sample: 3} as unknown as predictive.PredictMCArgs)).toThrowError(
        /^predictMC: unknown argument "sample" \(did you mean samples\?\); arguments must be one of samples, batchSize, outputs, onSample, drawPer; got "sample": 3\.$/);
    expect(() => predictive.predictMC(m, x, {batch_size: 3} as unknown as predictive.PredictMCArgs)).toThrowError(/did you mean batchSize\?/);
    expect(() => predictive.predictMC(m, x, {outputs: 'prob' as 'probs'})).toThrowError(/outputs must be one of "probs", "logits"; got "prob"/);
    expect(() => predictive.predictMC(m, x, {onSample: 3 as unknown as () => void})).toThrowError(/onSample must be a function; got 3/);
  });
});

describe('predictMean', () => {
  it('equals the deterministic layer with the posterior mean kernel (σ plays no part)', () => {
    const model = tf.sequential({layers: [
      layers.denseFlipout({inputShape: [3], units: 4, activation: 'softmax', seed: 5})]});
    const x = tf.tensor2d([[1, -2, 0.5], [0.3, 0.1, -1]]);
    const mc = predictive.predictMC(model, x, {samples: 2});
    const draws = mc.arraySync();
    expect(draws[0]).not.toEqual(draws[1]);            // Flipout draws differ...
    const a = predictive.predictMean(model, x);
    const b = predictive.predictMean(model, x);
    expect(a.arraySync()).toEqual(b.arraySync());      // ...the posterior mean does not
    // Closed form: softmax(x·μ + b) with μ the posterior loc (tfjs's own ops as the reference).
    const vl = layers.variationalLayers(model)[0]!;
    const loc = vl.kernelPosterior!.mean() as unknown as tf.Tensor2D;
    const bias = vl.biasPosterior!.mean() as unknown as tf.Tensor1D;
    const expected = tf.softmax(tf.add(tf.matMul(x, loc), bias)).arraySync() as number[][];
    (a.arraySync() as number[][]).flat().forEach((v, i) => expect(v).toBeCloseTo(expected.flat()[i]!, 5));
    tf.dispose([x, mc, a, b, loc, bias]);
    model.dispose();
  });

  it('refuses a null model or x, a nested-array x, null options, unknown keys and bad outputs', () => {
    const model = tf.sequential({layers: [tf.layers.dense({inputShape: [1], units: 2, activation: 'softmax'})]});
    const x = tf.zeros([1, 1]);
    expect(() => predictive.predictMean(null as unknown as tf.LayersModel, x)).toThrowError(/^predictMean: model must have a predict method/);
    expect(() => predictive.predictMean(model, [[0]] as unknown as tf.Tensor)).toThrowError(/^predictMean: x must be a tf\.Tensor \(convert a nested array/);
    expect(() => predictive.predictMean(model, x, null as unknown as {})).toThrowError(/^predictMean: args must be an object; got null\.$/);
    expect(() => predictive.predictMean(model, x, {output: 'logits'} as unknown as {})).toThrowError(/^predictMean: unknown argument "output" \(did you mean outputs\?\)/);
    expect(() => predictive.predictMean(model, x, {outputs: 'x' as 'probs'})).toThrowError(/^predictMean: outputs must be one of "probs", "logits"; got "x"/);
    tf.dispose(x);
    model.dispose();
  });
});
