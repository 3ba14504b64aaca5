// The wasm training kernels against tfjs's own 'cpu' backend kernels (the oracle): gradients of
// conv1d/2d/3d, maxPool and transposed matmuls, and one training step of a small conv model.
import * as tf from '@tensorflow/tfjs';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {
  registerWasmTrainingKernels,
  setWasmBackend,
  wasmTrainingKernelsRegistered,
  WASM_TRAINING_KERNELS,
} from '../../src/backends/wasm.js';
import * as tfp from '../../src/index.js';
import {ValueError} from '../../src/util/errors.js';

const TOL = 1e-4;  // |wasm − cpu| ≤ TOL·max(1, |cpu|), elementwise

type Arrays = {shape: number[]; values: Float32Array}[];

/** Runs `fn` on `backend` with the given inputs (re-created there) and returns its outputs. */
async function runOn(backend: string, inputs: Arrays, fn: (...xs: tf.Tensor[]) => tf.Tensor[]): Promise<Arrays> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = inputs.map(({shape, values}) => tf.tensor(values, shape));
    return fn(...xs).map((t) => ({shape: t.shape, values: t.dataSync() as Float32Array}));
  });
}

function randomInputs(shapes: number[][], seed: number): Arrays {
  return shapes.map((shape, i) => tf.tidy(() => {
    const t = tf.randomNormal(shape, 0, 1, 'float32', seed + i);
    return {shape, values: t.dataSync() as Float32Array};
  }));
}

function expectClose(got: Arrays, want: Arrays): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, k) => {
    const w = want[k]!;
    expect(g.shape).toEqual(w.shape);
    let worst = 0;
    for (let i = 0; i < w.values.length; i++) {
      const ref = w.values[i]!;
      worst = Math.max(worst, Math.abs(g.values[i]! - ref) / Math.max(1, Math.abs(ref)));
    }
    expect(worst).toBeLessThanOrEqual(TOL);
  });
}

/** Gradients of Σ f(xs)·r (r a fixed random weighting, so that dy is not constant). */
function weightedGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, outShape: number[], seed: number) {
  return (...xs: tf.Tensor[]): tf.Tensor[] => {
    const r = tf.randomNormal(outShape, 0, 1, 'float32', seed);
    return tf.grads((...ys: tf.Tensor[]) => f(...ys).mul(r).sum())(xs);
  };
}

async function compareGrads(
    shapes: number[][], f: (...xs: tf.Tensor[]) => tf.Tensor, seed: number): Promise<void> {
  const inputs = randomInputs(shapes, seed);
  const outShape = tf.tidy(() => f(...inputs.map(({shape, values}) => tf.tensor(values, shape))).shape);
  const g = weightedGrads(f, outShape, seed + 100);
  const want = await runOn('cpu', inputs, g);
  const got = await runOn('wasm', inputs, g);
  expectClose(got, want);
}

beforeAll(async () => {
  await setWasmBackend();
  await tf.setBackend('cpu');
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('registerWasmTrainingKernels', () => {
  it('registers every training kernel on wasm, once', () => {
    expect(wasmTrainingKernelsRegistered()).toBe(true);
    registerWasmTrainingKernels();  // idempotent: no throw, no second registration
    const names = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
    for (const name of WASM_TRAINING_KERNELS) expect(names.has(name)).toBe(true);
  });
});

describe('setWasmBackend', () => {
  it('refuses a non-integer thread count', async () => {
    await expect(setWasmBackend({threads: 0})).rejects.toThrowError(ValueError);
    await expect(setWasmBackend({threads: 1.5})).rejects.toThrowError(/threads must be a positive integer; got 1\.5/);
  });

  it('makes wasm the active backend with SIMD', async () => {
    const info = await setWasmBackend();
    expect(info.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.threads).toBeGreaterThanOrEqual(1);
    await tf.setBackend('cpu');
  });
});

describe('conv2d gradients on wasm equal cpu', () => {
  const cases: [string, number[], number[], number | [number, number], 'same' | 'valid'][] = [
    ['1 channel, stride 1, same', [2, 9, 8, 1], [5, 5, 1, 3], 1, 'same'],
    ['3 channels, stride 1, valid', [2, 9, 8, 3], [3, 2, 3, 5], 1, 'valid'],
    ['stride 2, same', [2, 9, 8, 3], [3, 3, 3, 4], 2, 'same'],
    ['stride 2, valid, uneven', [2, 10, 9, 2], [3, 3, 2, 4], 2, 'valid'],
    ['strides [2,3], same', [3, 11, 10, 2], [3, 2, 2, 3], [2, 3], 'same'],
    ['stride 3, kernel 2, same', [2, 7, 7, 2], [2, 2, 2, 3], 3, 'same'],
    ['LeNet conv3 shape', [4, 7, 7, 16], [5, 5, 16, 12], 1, 'same'],
  ];
  cases.forEach(([title, xShape, fShape, strides, pad], i) => {
    it(`dx and dW match (${title})`, async () => {
      await compareGrads([xShape, fShape],
          (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pad), 10 * i + 1);
    });
  });

  for (const fmt of ['NHWC', 'NCHW'] as const) {
    it(`Conv2DBackpropFilter and Conv2DBackpropInput kernels match (${fmt}, explicit padding)`, async () => {
      const xShape = fmt === 'NHWC' ? [2, 7, 6, 3] : [2, 3, 7, 6];
      const fShape = [3, 3, 3, 4];
      const pad = fmt === 'NHWC' ? [[0, 0], [1, 2], [0, 1], [0, 0]] : [[0, 0], [0, 0], [1, 2], [0, 1]];
      const strides = [2, 1];
      const nhwc = fmt === 'NHWC' ? xShape : [xShape[0]!, xShape[2]!, xShape[3]!, xShape[1]!];
      const probe = tf.tidy(() => tf.conv2d(tf.zeros<tf.Rank>(nhwc) as tf.Tensor4D, tf.zeros<tf.Rank>(fShape) as tf.Tensor4D,
          [2, 1], [[0, 0], [1, 2], [0, 1], [0, 0]] as tf.backend_util.ExplicitPadding).shape);
      const dyShape = fmt === 'NHWC' ? probe : [probe[0], probe[3], probe[1], probe[2]];
      const inputs = randomInputs([xShape, dyShape, fShape], 77);
      const k = (x: tf.Tensor, dy: tf.Tensor, w: tf.Tensor): tf.Tensor[] => [
        tf.engine().runKernel('Conv2DBackpropFilter', {x, dy},
            {strides, pad, dataFormat: fmt, filterShape: fShape}) as tf.Tensor,
        tf.engine().runKernel('Conv2DBackpropInput', {dy, filter: w},
            {strides, pad, dataFormat: fmt, inputShape: xShape}) as tf.Tensor,
      ];
      expectClose(await runOn('wasm', inputs, k), await runOn('cpu', inputs, k));
    });
  }
});

describe('conv1d gradients on wasm equal cpu', () => {
  const cases: [string, number[], number[], number, 'same' | 'valid'][] = [
    ['1 channel, stride 1, same', [3, 16, 1], [5, 1, 4], 1, 'same'],
    ['3 channels, stride 1, valid', [3, 16, 3], [3, 3, 5], 1, 'valid'],
    ['stride 2, same', [2, 15, 2], [3, 2, 4], 2, 'same'],
    ['stride 3, valid', [2, 17, 2], [4, 2, 3], 3, 'valid'],
  ];
  cases.forEach(([title, xShape, fShape, stride, pad], i) => {
    it(`dx and dW match (${title})`, async () => {
      await compareGrads([xShape, fShape],
          (x, w) => tf.conv1d(x as tf.Tensor3D, w as tf.Tensor3D, stride, pad), 200 + 10 * i);
    });
  });
});

describe('conv3d gradients on wasm equal cpu', () => {
  const cases: [string, number[], number[], number, 'same' | 'valid'][] = [
    ['1 channel, stride 1, same', [2, 6, 5, 4, 1], [3, 3, 3, 1, 3], 1, 'same'],
    ['2 channels, stride 1, valid', [2, 6, 5, 5, 2], [3, 2, 3, 2, 3], 1, 'valid'],
    ['stride 2, same', [2, 7, 6, 5, 2], [3, 3, 3, 2, 2], 2, 'same'],
    ['stride 2, valid, uneven', [2, 8, 7, 6, 2], [3, 2, 3, 2, 3], 2, 'valid'],
    ['W4 shape (16³, 8 filters)', [2, 16, 16, 16, 1], [3, 3, 3, 1, 8], 1, 'same'],
  ];
  cases.forEach(([title, xShape, fShape, stride, pad], i) => {
    it(`dx and dW match (${title})`, async () => {
      await compareGrads([xShape, fShape],
          (x, w) => tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, stride, pad), 300 + 10 * i);
    });
  });
});

describe('conv3d forward on wasm equals cpu', () => {
  for (const [title, strides, dilations, pad] of [
    ['strides [1,2,3], same', [1, 2, 3], 1, 'same'],
    ['dilations [2,1,2], valid', 1, [2, 1, 2], 'valid'],
  ] as const) {
    it(`output matches (${title})`, async () => {
      const inputs = randomInputs([[2, 7, 8, 9, 2], [2, 3, 2, 2, 3]], 350);
      const f = (x: tf.Tensor, w: tf.Tensor): tf.Tensor[] =>
          [tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, strides as [number, number, number] | number, pad, 'NDHWC',
              dilations as [number, number, number] | number)];
      expectClose(await runOn('wasm', inputs, f), await runOn('cpu', inputs, f));
    });
  }
});

describe('maxPool3d gradients on wasm equal cpu', () => {
  it('dx matches, negative inputs included (pool 2, stride 2, same)', async () => {
    await compareGrads([[2, 5, 4, 5, 2]], (x) => tf.maxPool3d(x as tf.Tensor5D, 2, 2, 'same'), 450);
  });
  it('dx matches with every window negative (pool 3, stride 1, valid)', async () => {
    await compareGrads([[1, 4, 4, 4, 1]], (x) => tf.maxPool3d(x.abs().neg() as tf.Tensor5D, 3, 1, 'valid'), 460);
  });
});

describe('maxPool gradients on wasm equal cpu', () => {
  it('dx matches with every window negative (pool 2, stride 2, valid)', async () => {
    await compareGrads([[2, 6, 6, 2]], (x) => tf.maxPool(x.abs().neg() as tf.Tensor4D, 2, 2, 'valid'), 470);
  });
  it('dx matches after relu, where windows tie at 0', async () => {
    await compareGrads([[2, 6, 6, 2]], (x) => tf.maxPool(x.sub(1).relu() as tf.Tensor4D, 2, 2, 'same'), 480);
  });
  const cases: [string, number[], number, number, 'same' | 'valid'][] = [
    ['pool 2, stride 2, same, odd size', [2, 7, 7, 3], 2, 2, 'same'],
    ['pool 2, stride 2, valid', [2, 8, 8, 3], 2, 2, 'valid'],
    ['pool 3, stride 2, same', [2, 9, 8, 2], 3, 2, 'same'],
  ];
  cases.forEach(([title, xShape, pool, stride, pad], i) => {
    it(`dx matches (${title})`, async () => {
      await compareGrads([xShape], (x) => tf.maxPool(x as tf.Tensor4D, pool, stride, pad), 400 + 10 * i);
    });
  });
});

describe('matMul on wasm equals cpu for every transpose', () => {
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    it(`matMul and its gradients match (transposeA=${ta}, transposeB=${tb})`, async () => {
      const aShape = ta ? [7, 5] : [5, 7];
      const bShape = tb ? [4, 7] : [7, 4];
      await compareGrads([aShape, bShape], (a, b) => tf.matMul(a!, b!, ta, tb), 500);
    });
    it(`batched fused matMul with bias and relu matches (transposeA=${ta}, transposeB=${tb})`, async () => {
      const aShape = ta ? [3, 6, 5] : [3, 5, 6];
      const bShape = tb ? [3, 4, 6] : [3, 6, 4];
      const inputs = randomInputs([aShape, bShape, [4]], 600);
      const f = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor): tf.Tensor[] =>
          [tf.fused.matMul({a, b, transposeA: ta, transposeB: tb, bias, activation: 'relu'})];
      expectClose(await runOn('wasm', inputs, f), await runOn('cpu', inputs, f));
    });
  }
});

describe('Identity and Cast on wasm share buffers safely', () => {
  it('a clone keeps its values when the original is disposed, and the original when the clone is', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor([1.5, -2, 3]);
    const b = tf.clone(a);
    const c = tf.cast(a, 'float32');
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1.5, -2, 3]);
    b.dispose();
    expect(Array.from(c.dataSync())).toEqual([1.5, -2, 3]);
    c.dispose();
    await tf.setBackend('cpu');
  });

  it('a variable assigned after being cloned leaves the clone unchanged', async () => {
    await tf.setBackend('wasm');
    const v = tf.variable(tf.tensor([1, 2]));
    const snapshot = tf.clone(v);
    v.assign(tf.tensor([5, 6]));
    expect(Array.from(snapshot.dataSync())).toEqual([1, 2]);
    expect(Array.from(v.dataSync())).toEqual([5, 6]);
    tf.dispose([v, snapshot]);
    await tf.setBackend('cpu');
  });

  it('a dtype-changing cast still converts (float32 → int32 truncates like cpu)', async () => {
    const inputs: Arrays = [{shape: [4], values: Float32Array.from([1.7, -1.7, 0.2, 3])}];
    const f = (x: tf.Tensor): tf.Tensor[] => [tf.cast(x, 'int32').toFloat()];
    expectClose(await runOn('wasm', inputs, f), await runOn('cpu', inputs, f));
  });
});

describe('sum on wasm equals cpu', () => {
  const cases: [string, number[], number | number[], boolean][] = [
    ['bias gradient of a conv3d output', [4, 6, 6, 6, 8], [0, 1, 2, 3], false],
    ['leading axes, keepDims', [64, 5, 7], [0, 1], true],
    ['negative axes', [128, 9, 3], [-3, -2], false],
    ['inner axis (tfjs kernel)', [64, 100], 1, false],
    ['all axes (tfjs kernel)', [64, 100], [0, 1], false],
  ];
  cases.forEach(([title, shape, axis, keepDims], i) => {
    it(`matches (${title})`, async () => {
      const inputs = randomInputs([shape], 900 + i);
      const f = (x: tf.Tensor): tf.Tensor[] => [tf.sum(x, axis, keepDims)];
      expectClose(await runOn('wasm', inputs, f), await runOn('cpu', inputs, f));
    });
  });
});

describe('a small conv model trains with model.fit on wasm', () => {
  function model(): tf.Sequential {
    const m = tf.sequential();
    m.add(tf.layers.conv2d({inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({seed: 1})}));
    m.add(tf.layers.maxPooling2d({poolSize: 2, strides: 2, padding: 'same'}));
    m.add(tf.layers.conv2d({filters: 6, kernelSize: 3, padding: 'valid', strides: 1, activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({seed: 2})}));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({units: 3, activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({seed: 3})}));
    m.compile({optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy'});
    return m;
  }
  const [xs] = randomInputs([[16, 8, 8, 1]], 700);
  const labels = Float32Array.from({length: 16 * 3}, (_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0));

  async function fitOn(backend: string, epochs: number): Promise<{losses: number[]; weights: Arrays}> {
    await tf.setBackend(backend);
    const m = model();
    const x = tf.tensor(xs!.values, xs!.shape);
    const y = tf.tensor(labels, [16, 3]);
    const h = await m.fit(x, y, {epochs, batchSize: 8, shuffle: false, verbose: 0});
    const weights = m.getWeights().map((w) => ({shape: w.shape, values: w.dataSync() as Float32Array}));
    tf.dispose([x, y]);
    m.dispose();
    return {losses: h.history['loss'] as number[], weights};
  }

  it('one epoch of SGD leaves the same weights as on cpu', async () => {
    const cpu = await fitOn('cpu', 1);
    const wasm = await fitOn('wasm', 1);
    expectClose(wasm.weights, cpu.weights);
    expect(Math.abs(wasm.losses[0]! - cpu.losses[0]!)).toBeLessThanOrEqual(TOL);
  });

  it('the loss falls over 20 epochs and stays finite', async () => {
    const {losses} = await fitOn('wasm', 20);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]!).toBeLessThan(0.5 * losses[0]!);
  });
});

describe('a Bayesian conv model trains with model.fit on wasm', () => {
  // The layers draw their signs and noise in JS from their seeds, so both backends see the same
  // draws: from the same initial parameters, one epoch must leave the same ones as on cpu.
  let initial: Arrays | null = null;
  async function fitOn(backend: string, epochs: number): Promise<{losses: number[]; weights: Arrays}> {
    await tf.setBackend(backend);
    const m = tf.sequential();
    m.add(tf.layers.inputLayer({inputShape: [8, 8, 1]}));
    m.add(tfp.layers.conv2dFlipout({filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', seed: 11,
      kernelDivergenceFn: tfp.layers.util.klDivergenceFn({weight: 1 / 64})}));
    m.add(tf.layers.maxPooling2d({poolSize: 2, strides: 2, padding: 'same'}));
    m.add(tf.layers.reshape({targetShape: [16, 4]}));
    m.add(tfp.layers.conv1dReparameterization({filters: 3, kernelSize: 2, strides: 2, padding: 'valid', seed: 12,
      kernelDivergenceFn: tfp.layers.util.klDivergenceFn({weight: 1 / 64})}));
    m.add(tf.layers.flatten());
    m.add(tfp.layers.denseFlipout({units: 3, activation: 'softmax', seed: 13,
      kernelDivergenceFn: tfp.layers.util.klDivergenceFn({weight: 1 / 64})}));
    m.compile({optimizer: tf.train.sgd(0.05), loss: 'categoricalCrossentropy'});
    // Posterior initializers are unseeded (as in TFP): start every run from the first one's values.
    if (initial === null) initial = m.getWeights().map((w) => ({shape: w.shape, values: w.dataSync() as Float32Array}));
    else m.setWeights(initial.map(({shape, values}) => tf.tensor(values, shape)));
    const [xs] = randomInputs([[16, 8, 8, 1]], 800);
    const x = tf.tensor(xs!.values, xs!.shape);
    const y = tf.oneHot(tf.tensor1d(Array.from({length: 16}, (_, i) => i % 3), 'int32'), 3);
    const h = await m.fit(x, y, {epochs, batchSize: 8, shuffle: false, verbose: 0});
    const weights = m.getWeights().map((w) => ({shape: w.shape, values: w.dataSync() as Float32Array}));
    tf.dispose([x, y]);
    m.dispose();
    return {losses: h.history['loss'] as number[], weights};
  }

  it('one epoch leaves the same posterior parameters as on cpu', async () => {
    const cpu = await fitOn('cpu', 1);
    const wasm = await fitOn('wasm', 1);
    expectClose(wasm.weights, cpu.weights);
  });

  it('the loss (NLL + KL) falls over 30 epochs and stays finite', async () => {
    const {losses} = await fitOn('wasm', 30);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
  });
});
