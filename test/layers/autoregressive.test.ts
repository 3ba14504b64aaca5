// AutoregressiveNetwork (MADE): masks, forward value, shapes and parameter counts of ORACLES.md §6,
// the autoregressive property by gradients (before and after training), conditional inputs, the
// errors of LAYERS.md §6.1, a small masked autoregressive density fit and a save/load round trip.
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {AutoregressiveNetwork, autoregressiveNetwork} from '../../src/layers/index.js';
import type {AutoregressiveNetworkArgs} from '../../src/layers/index.js';
import {ValueError} from '../../src/util/errors.js';

import {expectClose, testSeed} from '../helpers/oracles.js';

function built(args: AutoregressiveNetworkArgs, inputShape: number[]): AutoregressiveNetwork {
  const layer = autoregressiveNetwork(args);
  tf.tidy(() => {
    layer.apply(tf.zeros(inputShape));
  });
  return layer;
}

function countParams(layer: tf.layers.Layer): number {
  return layer.trainableWeights.reduce((n, w) => n + w.shape.reduce((a, b) => (a as number) * (b as number), 1)!, 0);
}

describe('AutoregressiveNetwork masks (ORACLES §6)', () => {
  const cases: Array<[string, AutoregressiveNetworkArgs, number, number[][][]]> = [
    ['D=3, hidden [4,4], params 2, left-to-right', {params: 2, hiddenUnits: [4, 4]}, 3, [
      [[1, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 0]],
      [[1, 1, 1, 1], [1, 1, 1, 1], [0, 0, 1, 1], [0, 0, 1, 1]],
      [[0, 0, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 1, 1]]]],
    ['D=3, hidden [5,3], params 2', {params: 2, hiddenUnits: [5, 3]}, 3, [
      [[1, 1, 1, 1, 1], [0, 0, 0, 1, 1], [0, 0, 0, 0, 0]],
      [[1, 1, 1], [1, 1, 1], [1, 1, 1], [0, 0, 1], [0, 0, 1]],
      [[0, 0, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1]]]],
    ['D=3, hidden [4,4], params 2, order [3,2,1]', {params: 2, hiddenUnits: [4, 4], inputOrder: [3, 2, 1]}, 3, [
      [[0, 0, 0, 0], [0, 0, 1, 1], [1, 1, 1, 1]],
      [[1, 1, 1, 1], [1, 1, 1, 1], [0, 0, 1, 1], [0, 0, 1, 1]],
      [[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 0, 0], [1, 1, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0]]]],
    ['D=4, no hidden, params 1', {params: 1}, 4, [
      [[0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]]]],
    ['D=4, hidden [5], params 1, order [2,4,1,3]', {params: 1, hiddenUnits: [5], inputOrder: [2, 4, 1, 3]}, 4, [
      [[0, 0, 1, 1, 1], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1], [0, 0, 0, 0, 1]],
      [[1, 1, 0, 1], [1, 1, 0, 1], [0, 1, 0, 1], [0, 1, 0, 1], [0, 1, 0, 0]]]],
  ];
  for (const [title, args, d, masks] of cases) {
    it(`masks match ORACLES §6 (${title})`, () => {
      const layer = built({...args, eventShape: d}, [1, d]);
      expect(layer.masks).toEqual(masks);
    });
  }

  it('hidden degrees for order [2,4,1,3], hidden [5] are [1,1,2,2,3]', () => {
    const layer = built({params: 1, eventShape: 4, hiddenUnits: [5], inputOrder: [2, 4, 1, 3]}, [1, 4]);
    expect(layer.degrees).toEqual([[2, 4, 1, 3], [1, 1, 2, 2, 3]]);
  });
});

describe('AutoregressiveNetwork forward pass and shapes', () => {
  it('ORACLES §6 forward value: D=2, hidden [3], params 2, relu, kernels 1 before masking', () => {
    const layer = autoregressiveNetwork({params: 2, eventShape: 2, hiddenUnits: [3], activation: 'relu',
      kernelInitializer: 'ones'});
    expectClose(layer.apply(tf.tensor1d([0.5, -1])) as tf.Tensor, [[0, 0], [1.5, 1.5]]);
    expectClose(layer.apply(tf.tensor1d([2, -1])) as tf.Tensor, [[0, 0], [6, 6]]);
  });

  const table: Array<[string, AutoregressiveNetworkArgs, number[], number[], number]> = [
    ['params 3, D 4, hidden [10,7,10], right-to-left, random degrees',
      {params: 3, eventShape: 4, hiddenUnits: [10, 7, 10], inputOrder: 'right-to-left', hiddenDegrees: 'random'},
      [4], [4, 3], 339],
    ['params 2, hidden [9], random order, inferred D=5', {params: 2, hiddenUnits: [9], inputOrder: 'random'},
      [3, 5], [3, 5, 2], 154],
    ['params 1, D 9, hidden [5,5], no bias', {params: 1, eventShape: [9], hiddenUnits: [5, 5], useBias: false},
      [9], [9, 1], 115],
    ['params 4, D 3, no hidden, no bias', {params: 4, eventShape: 3, useBias: false}, [2, 2, 5, 3], [2, 2, 5, 3, 4], 36],
    ['params 2, D 4, hidden [5,5]', {params: 2, eventShape: 4, hiddenUnits: [5, 5]}, [4], [4, 2], 103],
  ];
  for (const [title, args, input, output, count] of table) {
    it(`${title}: ${JSON.stringify(input)} → ${JSON.stringify(output)}, ${count} parameters`, () => {
      const layer = autoregressiveNetwork({...args, seed: testSeed()});
      const y = layer.apply(tf.randomNormal(input)) as tf.Tensor;
      expect(y.shape).toEqual(output);
      expect(countParams(layer)).toBe(count);
      expect(layer.params).toBe(args.params);
      expect(layer.eventShape).toEqual([input[input.length - 1]]);
      const rank1 = input.length === 1;
      const sym = autoregressiveNetwork({...args, seed: testSeed()})
          .apply(tf.input({shape: rank1 ? input : input.slice(1)})) as tf.SymbolicTensor;
      expect(sym.shape).toEqual([null, ...(rank1 ? output : output.slice(1))]);
    });
  }
});

/** ∂ Σ out[…, i, :] / ∂x for every i: a [D][D] array of max |gradient| over the batch. */
function dependence(layer: AutoregressiveNetwork, x: tf.Tensor, d: number): number[][] {
  return Array.from({length: d}, (_, i) => tf.tidy(() => {
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.gather(layer.apply(v) as tf.Tensor, i, 1)))(x);
    return Array.from(tf.max(tf.abs(g), 0).dataSync());
  }));
}

function expectAutoregressive(layer: AutoregressiveNetwork, x: tf.Tensor, d: number): void {
  const deg = layer.degrees![0]!;
  expect(deg.slice().sort()).toEqual(Array.from({length: d}, (_, i) => i + 1));
  const dep = dependence(layer, x, d);
  let allowedNonzero = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      if (deg[j]! >= deg[i]!) {
        if (dep[i]![j] !== 0) throw new Error(`output ${i} depends on input ${j} (deg ${deg[j]} ≥ ${deg[i]})`);
      } else if (dep[i]![j]! > 0) {
        allowedNonzero += 1;
      }
    }
  }
  expect(allowedNonzero).toBeGreaterThan(0);
}

describe('AutoregressiveNetwork autoregressive property', () => {
  const d = 4;
  for (const inputOrder of ['left-to-right', 'right-to-left', 'random', [3, 1, 4, 2]] as const) {
    for (const hiddenDegrees of ['equal', 'random'] as const) {
      it(`out[i] depends only on x[j] with deg(j) < deg(i), before and after training (order ${JSON.stringify(inputOrder)}, hidden ${hiddenDegrees})`, () => {
        const seed = testSeed();
        const layer = autoregressiveNetwork({params: 2, eventShape: d, hiddenUnits: [8, 8], activation: 'tanh',
          inputOrder: inputOrder as AutoregressiveNetworkArgs['inputOrder'], hiddenDegrees, seed,
          biasInitializer: tf.initializers.randomNormal({mean: 0, stddev: 0.5, seed})});
        const x = tf.randomNormal([6, d], 0, 1, 'float32', seed);
        layer.apply(x);
        if (Array.isArray(inputOrder)) expect(layer.degrees![0]).toEqual(inputOrder);
        if (inputOrder === 'right-to-left') expect(layer.degrees![0]).toEqual([4, 3, 2, 1]);
        expectAutoregressive(layer, x, d);
        const opt = tf.train.adam(0.1);
        const target = tf.randomNormal([6, d, 2], 0, 1, 'float32', seed + 1);
        for (let s = 0; s < 5; s++) {
          opt.minimize(() => tf.sum(tf.square(tf.sub(layer.apply(x) as tf.Tensor, target))) as tf.Scalar);
        }
        expectAutoregressive(layer, x, d);
      });
    }
  }
});

describe('AutoregressiveNetwork conditional input', () => {
  it('broadcasts the conditional batch with the input batch and adds C×units kernels', () => {
    const layer = autoregressiveNetwork({params: 2, eventShape: 3, hiddenUnits: [4], conditional: true,
      conditionalEventShape: 2});
    const y = layer.apply([tf.randomNormal([5, 3]), tf.randomNormal([2, 1, 2])]) as tf.Tensor;
    expect(y.shape).toEqual([2, 5, 3, 2]);
    // (3·4 + 4 + 2·4) + (4·6 + 6 + 2·6)
    expect(countParams(layer)).toBe(24 + 42);
    const first = autoregressiveNetwork({params: 2, eventShape: 3, hiddenUnits: [4], conditional: true,
      conditionalEventShape: [2], conditionalInputLayers: 'first_layer'});
    first.apply([tf.zeros([1, 3]), tf.zeros([1, 2])]);
    expect(countParams(first)).toBe(24 + 30);
  });

  it('every output depends on the conditional input; kwargs form equals array form', () => {
    const layer = autoregressiveNetwork({params: 1, eventShape: 3, hiddenUnits: [6], conditional: true,
      conditionalEventShape: 2, activation: 'tanh'});
    const x = tf.randomNormal([4, 3]);
    const c = tf.randomNormal([4, 2]);
    const a = layer.apply([x, c]) as tf.Tensor;
    const b = layer.apply(x, {conditionalInput: c}) as tf.Tensor;
    expectClose(a, Array.from(b.dataSync()), 0, 0);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.gather(layer.apply([x, v]) as tf.Tensor, 0, 1)))(c);
    expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    expect(() => layer.apply(x)).toThrowError(/conditionalInput.*got undefined/);
  });
});

describe('AutoregressiveNetwork errors (LAYERS.md §6.1)', () => {
  const bad: Array<[string, () => unknown, RegExp]> = [
    ['eventShape of rank 2', () => autoregressiveNetwork({params: 1, eventShape: [2, 3]}), /eventShape.*got \[2,3\]/],
    ['conditional without eventShape', () => autoregressiveNetwork({params: 1, conditional: true,
      conditionalEventShape: 2}), /eventShape must be provided.*got undefined/],
    ['conditional without conditionalEventShape', () => autoregressiveNetwork({params: 1, eventShape: 2,
      conditional: true}), /conditionalEventShape must be provided.*got undefined/],
    ['conditionalEventShape of rank 2', () => autoregressiveNetwork({params: 1, eventShape: 2, conditional: true,
      conditionalEventShape: [2, 2]}), /conditionalEventShape.*got \[2,2\]/],
    ['bad conditionalInputLayers', () => autoregressiveNetwork({params: 1, eventShape: 2, conditional: true,
      conditionalEventShape: 2, conditionalInputLayers: 'some' as 'all_layers'}), /conditionalInputLayers.*got "some"/],
    ['conditionalEventShape without conditional', () => autoregressiveNetwork({params: 1, eventShape: 2,
      conditionalEventShape: 2}), /conditionalEventShape must not be given.*got 2/],
    ['unknown inputOrder', () => autoregressiveNetwork({params: 1, inputOrder: 'up-down' as 'random'}),
      /Invalid input order.*got "up-down"/],
    ['inputOrder not a permutation', () => autoregressiveNetwork({params: 1, eventShape: 3, inputOrder: [1, 1, 3]}),
      /Invalid input order.*got \[1,1,3\]/],
    ['unknown hiddenDegrees', () => autoregressiveNetwork({params: 1, hiddenDegrees: 'uneven' as 'equal'}),
      /Invalid hidden order.*got "uneven"/],
    ['hiddenUnits not positive integers', () => autoregressiveNetwork({params: 1, hiddenUnits: [4, 0]}),
      /hiddenUnits.*got \[4,0\]/],
    ['hiddenUnits not a list', () => autoregressiveNetwork({params: 1, hiddenUnits: 4 as unknown as number[]}),
      /hiddenUnits.*got 4/],
    ['params 0', () => autoregressiveNetwork({params: 0}), /params.*got 0/],
    ['input last dim ≠ eventShape', () => autoregressiveNetwork({params: 1, eventShape: 3}).apply(tf.zeros([2, 4])),
      /eventShape\[-1\] = 3.*got input shape \[2,4\]/],
    ['explicit order of the wrong length at build', () => autoregressiveNetwork({params: 1, inputOrder: [2, 1]})
        .apply(tf.zeros([2, 3])), /Invalid input order.*got \[2,1\]/],
  ];
  for (const [title, fn, re] of bad) {
    it(`ValueError: ${title}`, () => {
      expect(fn).toThrowError(ValueError);
      expect(fn).toThrowError(re);
    });
  }
});

describe('AutoregressiveNetwork density estimation', () => {
  it('a masked autoregressive Gaussian fit on 2-D data lowers the NLL below the best factorized Gaussian', () => {
    // x1 ~ N(0, 1), x2 = x1²/2 + 0.3·ε: the best factorized Gaussian has NLL
    // ½log(2πe) + ½log(2πe·Var x2) with Var x2 = ¼·2 + 0.09 = 0.59 → 2.5741; the true conditional
    // model reaches 1.4189 + 0.4189 + log 0.3 = 0.6337 + 1 = 1.6338.
    const seed = testSeed();
    const n = 128;
    const x1 = tf.randomNormal([n, 1], 0, 1, 'float32', seed);
    const x2 = tf.add(tf.mul(0.5, tf.square(x1)), tf.randomNormal([n, 1], 0, 0.3, 'float32', seed + 1));
    const x = tf.concat([x1, x2], 1);
    const made = autoregressiveNetwork({params: 2, eventShape: 2, hiddenUnits: [16], activation: 'relu', seed});
    const nll = (): tf.Scalar => tf.tidy(() => {
      const out = made.apply(x) as tf.Tensor;                     // [n, 2, 2]: shift, log scale
      const [shift, logScale] = tf.unstack(out, 2) as [tf.Tensor, tf.Tensor];
      const d = new tfp.distributions.Independent({distribution: new tfp.distributions.Normal({
        loc: shift, scale: tf.exp(logScale)}), reinterpretedBatchNdims: 1});
      return tf.neg(tf.mean(d.logProb(x))) as tf.Scalar;
    });
    const opt = tf.train.adam(0.03);
    const initial = nll().dataSync()[0]!;
    opt.minimize(nll);
    const before = tf.memory().numTensors;
    for (let s = 0; s < 120; s++) opt.minimize(nll, true)?.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const final = nll().dataSync()[0]!;
    expect(final).toBeLessThan(initial);
    expect(final).toBeLessThan(2.5741 - 0.3);
  });
});

describe('AutoregressiveNetwork serialization', () => {
  it('model.save / tf.loadLayersModel keeps the (random) order, masks and outputs', async () => {
    await import('../../src/io/index.js');
    const m = tf.sequential();
    m.add(tf.layers.inputLayer({inputShape: [4]}));
    m.add(autoregressiveNetwork({params: 2, hiddenUnits: [6], inputOrder: 'random', hiddenDegrees: 'random',
      activation: 'relu'}));
    const x = tf.randomNormal([3, 4]);
    const y = m.predict(x) as tf.Tensor;
    const dir = mkdtempSync(join(tmpdir(), 'tfp-made-'));
    await m.save(`file://${dir}`);
    const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
    const original = m.layers.find((l) => l instanceof AutoregressiveNetwork) as AutoregressiveNetwork;
    const copy = loaded.layers.find((l) => l instanceof AutoregressiveNetwork) as AutoregressiveNetwork;
    expect(copy).toBeDefined();
    expect(copy.degrees).toEqual(original.degrees);
    expect(copy.masks).toEqual(original.masks);
    expectClose(loaded.predict(x) as tf.Tensor, Array.from(y.dataSync()), 1e-6, 1e-6);
  });
});
