// The SIMD kernels of src/backends/wasm_fused.ts against float64 references computed here with
// Math.log1p / Math.exp (the oracle), at special values, across the float32 range, and at every
// tail length; the KL kernel against its closed form and closed-form gradients.
import {execFileSync} from 'node:child_process';

import * as tf from '@tensorflow/tfjs';
import {beforeAll, describe, expect, it} from 'vitest';

import {setWasmBackend} from '../../src/backends/wasm.js';
import {fusedKernelsFor, klStandardNormal, klStandardNormalGrad} from '../../src/backends/wasm_fused.js';
import {Normal} from '../../src/distributions/normal.js';
import {DenseFlipout, DenseReparameterization} from '../../src/layers/dense_variational.js';
import {klDivergence} from '../../src/distributions/kl.js';
import {KL_STANDARD_NORMAL, KL_STANDARD_NORMAL_GRAD} from '../../src/util/fused_kernels.js';

const ULP = 2 ** -24;  // half an ulp of 1 in float32: the unit of the error bounds below
const BOUND = 4 * ULP;  // relative error allowed for softplus and log1p (measured ≤ 3)

beforeAll(async () => {
  await setWasmBackend();
});

/** Largest relative error of `got` against float64 `ref` (equal values, incl. ±∞, count as 0). */
function worstRelative(got: Float32Array, ref: number[]): number {
  let worst = 0;
  ref.forEach((r, i) => {
    const g = got[i]!;
    if (g === r) return;
    worst = Math.max(worst, Math.abs(g - r) / Math.abs(r));
  });
  return worst;
}

function runUnary(op: (x: tf.Tensor) => tf.Tensor, xs: number[]): Float32Array {
  return tf.tidy(() => op(tf.tensor1d(xs, 'float32')).dataSync() as Float32Array);
}

function linspace(a: number, b: number, n: number): number[] {
  return Array.from({length: n}, (_, i) => Math.fround(n === 1 ? a : a + ((b - a) * i) / (n - 1)));
}

const softplusRef = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

describe('wasm fused module', () => {
  it('is the current build of assembly/fused.ts, without data or start sections', () => {
    // Exits 1 with "stale" when the committed base64 differs from what the source compiles to;
    // the build itself refuses a binary with a data, data-count or start section.
    expect(() => execFileSync(process.execPath, ['scripts/build_wasm.mjs', '--check'], {stdio: 'pipe'})).not.toThrow();
  }, 60_000);

  it('binds to the wasm backend heap, and declines a backend without one', () => {
    expect(fusedKernelsFor(tf.backend())).not.toBeNull();
    expect(fusedKernelsFor({})).toBeNull();
  });
});

describe('Softplus on wasm', () => {
  it('matches float64 softplus within 4 half-ulps over [-87, 110]', () => {
    const xs = [...linspace(-87, 110, 40_001), -1e-30, 1e-30, -1e-8, 1e-8, 0, 15.9, 16, 20, 88, 1e30, 3.4e38];
    const got = runUnary(tf.softplus, xs);
    expect(worstRelative(got, xs.map(softplusRef))).toBeLessThanOrEqual(BOUND);
  });

  it('rounds subnormal results (x < -87.3) to within one subnormal step', () => {
    const xs = linspace(-103, -87.4, 500);
    const got = runUnary(tf.softplus, xs);
    xs.forEach((x, i) => expect(Math.abs(got[i]! - Math.exp(x))).toBeLessThanOrEqual(2 ** -149));
  });

  it('gives softplus(+inf) = inf, softplus(-inf) = 0, NaN for NaN, 0 far below', () => {
    const got = runUnary(tf.softplus, [Infinity, -Infinity, NaN, -200, -1e30]);
    expect(Array.from(got)).toEqual([Infinity, 0, NaN, 0, 0]);
  });

  it('is exact on every tail length (n mod 4) and keeps tensors flat', () => {
    const before = tf.memory().numTensors;
    for (let n = 1; n <= 9; n++) {
      const xs = linspace(-5, 5, n);
      expect(worstRelative(runUnary(tf.softplus, xs), xs.map(softplusRef))).toBeLessThanOrEqual(BOUND);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('has tfjs gradient dy * sigmoid(x)', () => {
    const xs = [-3, -0.5, 0, 2];
    const g = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.softplus(x).sum())(tf.tensor1d(xs)).dataSync());
    xs.forEach((x, i) => expect(g[i]).toBeCloseTo(1 / (1 + Math.exp(-x)), 6));
  });
});

describe('Log1p on wasm', () => {
  it('matches float64 log1p within 4 half-ulps from -1 + 2^-24 to 1e30, small arguments included', () => {
    const xs: number[] = [];
    for (let k = -30; k <= 30; k += 0.01) xs.push(Math.fround(10 ** k));
    for (let k = -30; k < 0; k += 0.01) xs.push(Math.fround(-(10 ** k)));
    xs.push(Math.fround(-1 + 2 ** -24), -0.5, 0.4142135, 0.4142136, 1, 2, 3);
    const got = runUnary(tf.log1p, xs);
    expect(worstRelative(got, xs.map(Math.log1p))).toBeLessThanOrEqual(BOUND);
  });

  it('gives log1p(0) = 0, log1p(-1) = -inf, NaN below -1 and for NaN, inf for inf', () => {
    const got = runUnary(tf.log1p, [0, -1, -2, NaN, Infinity]);
    expect(Array.from(got)).toEqual([0, -Infinity, NaN, NaN, Infinity]);
  });
});

describe('KL(N(mu, sigma) || N(0, 1)) kernel on wasm', () => {
  const n = 1003;  // not a multiple of 4
  const loc = linspace(-3, 3, n);
  // σ from 1e-4 to 10 on a log scale, σ = 1 exactly in the middle.
  const scale = Array.from({length: n}, (_, i) => Math.fround(10 ** (-4 + (5 * i) / (n - 1))));
  const dy = Array.from({length: n}, (_, i) => Math.fround(Math.sin(i)));

  it('runs as one fused kernel forward and one backward', async () => {
    const info = await tf.profile(() => tf.grads((m: tf.Tensor, s: tf.Tensor) =>
      klDivergence(new Normal({loc: m, scale: s}), new Normal({loc: 0, scale: 1})).sum())(
        [tf.tensor1d(loc), tf.tensor1d(scale)]));
    const names = info.kernels.map((k) => k.name);
    expect(names.filter((k) => k === KL_STANDARD_NORMAL)).toHaveLength(1);
    expect(names.filter((k) => k === KL_STANDARD_NORMAL_GRAD)).toHaveLength(1);
    expect(names).not.toContain('Log1p');
  });

  it('matches the float64 closed form, and its gradients (mu, sigma - 1/sigma)', () => {
    const [value, gLoc, gScale] = tf.tidy(() => {
      const m = tf.tensor1d(loc);
      const s = tf.tensor1d(scale);
      const w = tf.tensor1d(dy);
      const f = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => klDivergence(new Normal({loc: a, scale: b}), new Normal({loc: 0, scale: 1}));
      const [ga, gb] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), w)))([m, s]);
      return [f(m, s).dataSync(), ga!.dataSync(), gb!.dataSync()];
    });
    for (let i = 0; i < n; i++) {
      const m = loc[i]!;
      const s = scale[i]!;
      // Terms of size up to ½μ² + ½σ² + |log σ| + ½; float32 rounding of each is ≤ a few half-ulps.
      const size = 0.5 * m * m + 0.5 * s * s + Math.abs(Math.log(s)) + 0.5;
      expect(Math.abs(value![i]! - (0.5 * (m * m + s * s) - Math.log(s) - 0.5))).toBeLessThanOrEqual(8 * ULP * size);
      expect(Math.abs(gLoc![i]! - dy[i]! * m)).toBeLessThanOrEqual(4 * ULP * Math.abs(dy[i]! * m));
      const want = dy[i]! * (s - 1 / s);
      expect(Math.abs(gScale![i]! - want)).toBeLessThanOrEqual(8 * ULP * Math.abs(dy[i]!) * (s + 1 / s));
    }
  });

  it('keeps full relative precision near sigma = 1 (value ≈ d²) and for tiny or subnormal sigma', () => {
    const ds = [2 ** -20, -(2 ** -20), 2 ** -12, -(2 ** -12), 0.01, -0.01, 0.3, -0.29];
    const small = [1e-4, 1e-20, 1e-38, 1e-40, 1e-45];
    const scales = [...ds.map((d) => Math.fround(1 + d)), ...small.map(Math.fround)];
    const got = tf.tidy(() => klDivergence(new Normal({loc: 0, scale: tf.tensor1d(scales)}),
        new Normal({loc: 0, scale: 1})).dataSync() as Float32Array);
    // ½(σ² − 1) − log σ in float64; near σ = 1 as d + ½d² − log1p(d), d = σ − 1 (exact in f64).
    const want = scales.map((s) => (s < 0.5 ? 0.5 * (s * s - 1) - Math.log(s) : (s - 1) + 0.5 * (s - 1) ** 2 - Math.log1p(s - 1)));
    expect(worstRelative(got, want)).toBeLessThanOrEqual(BOUND);
    const edge = tf.tidy(() => klDivergence(new Normal({loc: 0, scale: tf.tensor1d([0, Infinity])}),
        new Normal({loc: 0, scale: 1}), ).dataSync());
    expect(Array.from(edge)).toEqual([Infinity, Infinity]);
  });

  it('refuses inputs of different sizes or dtypes with a TypeError naming the input', () => {
    expect(() => tf.tidy(() => tf.engine().runKernel(KL_STANDARD_NORMAL, {loc: tf.ones([3]), scale: tf.ones([4])})))
        .toThrow(/TfpKLStandardNormal: input scale must be a float32 tensor of 3 elements; got float32 of shape \[4\]/);
    expect(() => tf.tidy(() => tf.engine().runKernel(KL_STANDARD_NORMAL, {loc: tf.ones([3]), scale: tf.ones([3], 'int32')})))
        .toThrow(/input scale must be a float32 tensor/);
  });

  it('falls back to float64 JavaScript where the module cannot bind (same values)', () => {
    // A heap backend without `wasm`: fusedKernelsFor() is null, so the kernels take the JS path.
    const buffers: Float32Array[] = [];
    const heap = {
      makeOutput(shape: number[]) {
        buffers.push(new Float32Array(shape.reduce((a, b) => a * b, 1)));
        return {dataId: buffers.length - 1, shape, dtype: 'float32'};
      },
      typedArrayFromHeap(t: {dataId: number}) {
        return buffers[t.dataId]!;
      },
    };
    const input = (values: number[]) => {
      const t = heap.makeOutput([values.length]);
      buffers[t.dataId]!.set(values);
      return t;
    };
    const m = input([0.5, -1]);
    const s = input([0.1, 2]);
    const g = input([1, 3]);
    const out = klStandardNormal({inputs: {loc: m, scale: s} as never, backend: heap, attrs: {}}) as unknown as {dataId: number};
    const [dl, ds] = klStandardNormalGrad({inputs: {loc: m, scale: s, dy: g} as never, backend: heap, attrs: {}}) as unknown as {dataId: number}[];
    const kl = (mu: number, sg: number) => 0.5 * (mu * mu + sg * sg) - Math.log(sg) - 0.5;
    expect(buffers[out.dataId]![0]).toBeCloseTo(kl(0.5, 0.1), 5);
    expect(buffers[out.dataId]![1]).toBeCloseTo(kl(-1, 2), 5);
    expect(Array.from(buffers[dl!.dataId]!)).toEqual([Math.fround(0.5), -3]);
    expect(buffers[ds!.dataId]![1]).toBeCloseTo(3 * (2 - 0.5), 5);
    expect(buffers[ds!.dataId]![0]).toBeCloseTo(0.1 - 10, 4);
  });
});

describe('training on wasm with the fused kernels', () => {
  it('keeps tf.memory().numTensors flat over Adam steps of Reparameterization and Flipout layers', () => {
    const x = tf.randomNormal([8, 5], 0, 1, 'float32', 1);
    const y = tf.randomNormal([8, 3], 0, 1, 'float32', 2);
    for (const make of [() => new DenseReparameterization({units: 3, seed: 4}), () => new DenseFlipout({units: 3, seed: 5})]) {
      const layer = make();
      const opt = tf.train.adam(0.01);
      tf.dispose(layer.apply(x) as tf.Tensor);  // builds the variables before the first tape
      const step = (): void => {
        opt.minimize(() => {
          const out = layer.apply(x) as tf.Tensor;
          const kl = layer.losses.reduce((a: tf.Tensor, l) => tf.add(a, l()), tf.scalar(0));
          return tf.add(tf.losses.meanSquaredError(y, out), tf.div(kl, 100)) as tf.Scalar;
        });
      };
      step();
      const counts: number[] = [];
      for (let i = 0; i < 5; i++) {
        step();
        counts.push(tf.memory().numTensors);
      }
      expect(new Set(counts).size).toBe(1);
      layer.dispose();
      opt.dispose();
    }
    tf.dispose([x, y]);
  });
});
