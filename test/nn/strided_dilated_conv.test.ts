// tfp.nn convolutions with strides > 1 AND dilations > 1 (TFP's make_convolution_fn computes them;
// tfjs's convs refuse the pair): forward values and gradients against a float64 direct convolution
// written here with loops (TF's cross-correlation and SAME rule), for 1-D and 2-D, VALID and SAME.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {
  Convolution, ConvolutionTranspose, ConvolutionV2, ConvolutionVariationalReparameterization, posteriorMean,
} from '../../src/nn/index.js';
import {Conv2DFlipout} from '../../src/layers/conv_variational.js';
import {NotImplementedError} from '../../src/util/errors.js';
import {expectClose} from '../helpers/oracles.js';

interface Geometry { n: number; h: number; w: number; c: number; fh: number; fw: number; o: number;
  sh: number; sw: number; dh: number; dw: number; same: boolean }

/** TF's output length and leading pad of one axis (SAME: ceil(n/s), pad total split floor-first). */
function axis(n: number, f: number, s: number, d: number, same: boolean): [number, number] {
  const fEff = (f - 1) * d + 1;
  if (!same) return [Math.floor((n - fEff) / s) + 1, 0];
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + fEff - n, 0);
  return [out, Math.floor(total / 2)];
}

/** Float64 direct convolution: x [n, h, w, c], k [fh, fw, c, o] (flat, row-major) → y [n, oh, ow, o]. */
function refConv(g: Geometry, x: Float64Array | number[], k: Float64Array | number[]): {y: Float64Array; shape: number[]} {
  const [oh, ph] = axis(g.h, g.fh, g.sh, g.dh, g.same);
  const [ow, pw] = axis(g.w, g.fw, g.sw, g.dw, g.same);
  const y = new Float64Array(g.n * oh * ow * g.o);
  for (let b = 0; b < g.n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let q = 0; q < g.o; q++) {
          let acc = 0;
          for (let a = 0; a < g.fh; a++) {
            const r = i * g.sh + a * g.dh - ph;
            if (r < 0 || r >= g.h) continue;
            for (let e = 0; e < g.fw; e++) {
              const col = j * g.sw + e * g.dw - pw;
              if (col < 0 || col >= g.w) continue;
              for (let ch = 0; ch < g.c; ch++) {
                acc += (x[((b * g.h + r) * g.w + col) * g.c + ch] as number) *
                    (k[((a * g.fw + e) * g.c + ch) * g.o + q] as number);
              }
            }
          }
          y[((b * oh + i) * ow + j) * g.o + q] = acc;
        }
      }
    }
  }
  return {y, shape: [g.n, oh, ow, g.o]};
}

/** A deterministic sequence in [−1, 1] (no RNG: the oracle is fully reproducible). */
function values(len: number, phase: number): number[] {
  return Array.from({length: len}, (_, i) => Math.sin(1.3 * i + phase) * Math.cos(0.7 * i));
}

const CASES: Array<{rank: 1 | 2; spatial: number[]; filter: number[]; strides: number[]; dilations: number[]}> = [
  {rank: 1, spatial: [11], filter: [3], strides: [2], dilations: [2]},
  {rank: 1, spatial: [12], filter: [2], strides: [3], dilations: [3]},
  {rank: 2, spatial: [9, 8], filter: [3, 2], strides: [2, 2], dilations: [2, 2]},
  {rank: 2, spatial: [10, 9], filter: [2, 3], strides: [2, 3], dilations: [3, 2]},
];

function geometry(cs: (typeof CASES)[number], same: boolean, n: number, c: number, o: number): Geometry {
  const two = cs.rank === 2;
  return {n, c, o, same, h: two ? cs.spatial[0] as number : 1, w: cs.spatial[two ? 1 : 0] as number,
    fh: two ? cs.filter[0] as number : 1, fw: cs.filter[two ? 1 : 0] as number,
    sh: two ? cs.strides[0] as number : 1, sw: cs.strides[two ? 1 : 0] as number,
    dh: two ? cs.dilations[0] as number : 1, dw: cs.dilations[two ? 1 : 0] as number};
}

describe('Convolution with strides > 1 and dilations > 1 equals the float64 direct convolution', () => {
  for (const cs of CASES) {
    for (const padding of ['VALID', 'SAME'] as const) {
      const title = `rank ${cs.rank}, ${padding}, x ${JSON.stringify(cs.spatial)}, filter ${JSON.stringify(cs.filter)}, ` +
          `strides ${JSON.stringify(cs.strides)}, dilations ${JSON.stringify(cs.dilations)}`;
      const g = geometry(cs, padding === 'SAME', 2, 2, 3);
      const xs = values(g.n * g.h * g.w * g.c, 0.3);
      const ks = values(g.fh * g.fw * g.c * g.o, 1.1);

      it(`forward values: ${title}`, () => {
        const layer = new Convolution(g.c, g.o, cs.filter, {rank: cs.rank, strides: cs.strides, padding,
          dilations: cs.dilations});
        (layer.kernel as tf.Variable).assign(tf.tensor(ks, [...cs.filter, g.c, g.o]));
        const x = tf.tensor(xs, [g.n, ...cs.spatial, g.c]);
        const want = refConv(g, xs, ks);
        const y = layer.call(x) as tf.Tensor;
        const wantShape = cs.rank === 2 ? want.shape : [g.n, want.shape[2] as number, g.o];
        expect(y.shape).toEqual(wantShape);
        expectClose(y, Array.from(want.y), 1e-5, 1e-5);
        tf.dispose([x, y]);
      });

      it(`gradients wrt x and kernel match central differences of the float64 reference: ${title}`, () => {
        const layer = new Convolution(g.c, g.o, cs.filter, {rank: cs.rank, strides: cs.strides, padding,
          dilations: cs.dilations});
        const before = tf.memory().numTensors;
        const x = tf.tensor(xs, [g.n, ...cs.spatial, g.c]);
        const k = tf.tensor(ks, [...cs.filter, g.c, g.o]);
        const out = refConv(g, xs, ks);
        const wts = values(out.y.length, 2.0);   // loss = Σ w ⊙ conv(x, k), a generic linear functional
        const loss64 = (xv: number[], kv: number[]): number =>
          refConv(g, xv, kv).y.reduce((acc, v, i) => acc + v * (wts[i] as number), 0);
        const wT = tf.tensor(wts, cs.rank === 2 ? out.shape : [g.n, out.shape[2] as number, g.o]);
        const [gx, gk] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(layer.applyKernelFn(a, b), wT)))([x, k]);
        const h = 1e-4;
        const fd = (base: number[], other: number[], wrtX: boolean): number[] => base.map((_, i) => {
          const p = base.slice(); p[i] = (p[i] as number) + h;
          const m = base.slice(); m[i] = (m[i] as number) - h;
          return wrtX ? (loss64(p, other) - loss64(m, other)) / (2 * h) : (loss64(other, p) - loss64(other, m)) / (2 * h);
        });
        expectClose(gx as tf.Tensor, fd(xs, ks, true), 1e-4, 1e-4);
        expectClose(gk as tf.Tensor, fd(ks, xs, false), 1e-4, 1e-4);
        tf.dispose([x, k, wT, gx as tf.Tensor, gk as tf.Tensor]);
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }
});

describe('the other forward nn convolutions compute strides × dilations too', () => {
  const cs = CASES[2] as (typeof CASES)[number];
  for (const padding of ['VALID', 'SAME'] as const) {
    const g = geometry(cs, padding === 'SAME', 2, 2, 3);
    const xs = values(g.n * g.h * g.w * g.c, 0.3);
    const ks = values(g.fh * g.fw * g.c * g.o, 1.1);
    const opts = {strides: cs.strides, padding, dilations: cs.dilations};
    it(`ConvolutionV2 (matrix kernel [fh·fw·in, out]) equals the float64 reference (${padding})`, () => {
      const layer = new ConvolutionV2(g.c, g.o, cs.filter, opts);
      (layer.kernel as tf.Variable).assign(tf.tensor(ks, [g.fh * g.fw * g.c, g.o]));
      const y = tf.tidy(() => layer.call(tf.tensor(xs, [g.n, ...cs.spatial, g.c])) as tf.Tensor);
      expectClose(y, Array.from(refConv(g, xs, ks).y), 1e-5, 1e-5);
      y.dispose();
    });
    it(`ConvolutionVariationalReparameterization at the posterior mean equals the reference (${padding})`, () => {
      const layer = new ConvolutionVariationalReparameterization(g.c, g.o, cs.filter,
          {...opts, posteriorValueFn: posteriorMean});
      (layer.trainableVariables[0] as tf.Variable).assign(tf.tensor(ks, [...cs.filter, g.c, g.o]));
      (layer.trainableVariables[2] as tf.Variable).assign(tf.zeros([g.o]));
      const y = tf.tidy(() => layer.call(tf.tensor(xs, [g.n, ...cs.spatial, g.c])) as tf.Tensor);
      expectClose(y, Array.from(refConv(g, xs, ks).y), 1e-5, 1e-5);
      y.dispose();
    });
  }
});

describe('strides × dilations stays refused where TFP and Keras refuse it', () => {
  it('ConvolutionTranspose (TFP prepare_conv_args is_transpose) is a NotImplementedError', () => {
    expect(() => new ConvolutionTranspose(1, 1, 3, {strides: 2, dilations: 2}))
        .toThrowError(NotImplementedError);
    expect(() => new ConvolutionTranspose(1, 1, 3, {strides: 2, dilations: 2}))
        .toThrowError(/strides.*dilations.*\[2,2\].*\[2,2\]/);
  });
  it('tfp.layers Conv2DFlipout (Keras refuses it) is a ValueError naming strides and dilationRate', () => {
    expect(() => new Conv2DFlipout({filters: 2, kernelSize: 3, strides: 2, dilationRate: 2}))
        .toThrowError(/strides.*dilationRate.*2/);
  });
});
