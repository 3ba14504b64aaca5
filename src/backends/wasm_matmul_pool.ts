// Matmul and max-pooling gradient kernels for tfjs's 'wasm' backend.
// Porting note: in tfjs-backend-wasm 4.22 a transposed matmul operand takes a scalar loop 5–10×
// slower than XNNPACK (every dense-layer gradient has one); a batched _FusedMatMul adds its bias to
// the first batch only; and MaxPoolGrad/MaxPool3DGrad start their max search at
// numeric_limits<float>::min() (the smallest positive float), so a window of negative values sends
// its gradient to element 0 of the whole tensor. The kernels here fix all three.
import {backend_util} from '@tensorflow/tfjs-core';
import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

import {asWasmBackend, attrsAs, Composer, first, wasmKernel} from './wasm_compose.js';
import type {WasmHeapBackend} from './wasm_compose.js';

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation?: string;
  leakyreluAlpha?: number;
}

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({length: rank}, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

/** The activation a _FusedMatMul applies, as a separate wasm kernel call. */
function activate(c: Composer, x: TensorInfo, a: MatMulAttrs, prelu: TensorInfo | undefined): TensorInfo {
  switch (a.activation ?? 'linear') {
    case 'linear': return x;
    case 'relu': return c.run('Relu', {x});
    case 'relu6': return c.run('Relu6', {x});
    case 'elu': return c.run('Elu', {x});
    case 'sigmoid': return c.run('Sigmoid', {x});
    case 'leakyrelu': return c.run('LeakyRelu', {x}, {alpha: a.leakyreluAlpha ?? 0.2});
    case 'prelu': return c.run('Prelu', {x, alpha: prelu});
    default:
      throw new ValueError(`_FusedMatMul: activation must be one of linear, relu, relu6, elu, sigmoid, ` +
          `leakyrelu, prelu; got ${fmt(a.activation)}.`);
  }
}

// A 128×5880 by 128×84 weight gradient (transposeA): 68 ms in the scalar loop, 11 ms as an
// explicit Transpose and the XNNPACK path.
/** BatchMatMul or _FusedMatMul with its operands transposed explicitly, and the bias fixed. */
export function untransposedMatMul(name: 'BatchMatMul' | '_FusedMatMul'): KernelFunc {
  return (args) => {
    const {inputs, backend, attrs} = args;
    const a = attrsAs<MatMulAttrs>(attrs);
    const {a: x, b: y, bias, preluActivationWeights: prelu} =
        inputs as {a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo};
    const batchOf = (t: TensorInfo): number => t.shape.slice(0, -2).reduce((p, v) => p * v, 1);
    const batched = Math.max(batchOf(x), batchOf(y)) > 1;
    const splitBias = name === '_FusedMatMul' && batched && bias !== undefined;
    const original = wasmKernel(name);
    if (!a.transposeA && !a.transposeB && !splitBias) return original.kernelFunc(args);
    const c = new Composer(backend);
    const ta = a.transposeA ? c.run('Transpose', {x}, {perm: swapLastTwo(x.shape.length)}) : x;
    const tb = a.transposeB ? c.run('Transpose', {x: y}, {perm: swapLastTwo(y.shape.length)}) : y;
    const plainAttrs = {...attrs, transposeA: false, transposeB: false};
    if (!splitBias) {
      const ins: Record<string, TensorInfo> = {a: ta, b: tb};
      if (bias !== undefined) ins['bias'] = bias;
      if (prelu !== undefined) ins['preluActivationWeights'] = prelu;
      return c.finish(first(original.kernelFunc({inputs: ins, backend, attrs: plainAttrs}), name));
    }
    const product = c.run('BatchMatMul', {a: ta, b: tb}, {transposeA: false, transposeB: false});
    return c.finish(activate(c, c.run('Add', {a: product, b: bias}), a, prelu));
  };
}

/** Pooling geometry of a 3-D window over [b, d, h, w, c] (2-D: d = od = 1). */
interface PoolGeom {
  b: number; d: number; h: number; w: number; ch: number;
  od: number; oh: number; ow: number;
  sd: number; sh: number; sw: number;
  dd: number; dh: number; dw: number;
  ekd: number; ekh: number; ekw: number;
  front: number; top: number; left: number;
}

// dx[argmax of each window] += dy, with tfjs-cpu's tie rule (first maximum in 2-D, last in 3-D)
// and its NaN rule (a NaN never wins). Plain JS over the wasm heap: 3 ms for LeNet's first pool
// gradient at batch 128, where tfjs's own wasm kernel takes 18 ms.
function maxPoolGradOnHeap(backend: WasmHeapBackend, dy: TensorInfo, x: TensorInfo, g: PoolGeom,
    lastOnTies: boolean): TensorInfo {
  const dx = backend.makeOutput(x.shape, 'float32');
  // Views are taken after every allocation: a grown heap detaches earlier ones.
  const xv = backend.typedArrayFromHeap(x);
  const dyv = backend.typedArrayFromHeap(dy);
  const dxv = backend.typedArrayFromHeap(dx);
  dxv.fill(0);
  const sW = g.ch;
  const sH = g.w * sW;
  const sD = g.h * sH;
  const sB = g.d * sD;
  let o = 0;
  for (let b = 0; b < g.b; b++) {
    for (let od = 0; od < g.od; od++) {
      const d0 = od * g.sd - g.front;
      for (let oh = 0; oh < g.oh; oh++) {
        const h0 = oh * g.sh - g.top;
        for (let ow = 0; ow < g.ow; ow++) {
          const w0 = ow * g.sw - g.left;
          for (let ch = 0; ch < g.ch; ch++, o++) {
            let best = Number.NEGATIVE_INFINITY;
            let at = -1;
            for (let kd = 0; kd < g.ekd; kd += g.dd) {
              const xd = d0 + kd;
              if (xd < 0 || xd >= g.d) continue;
              for (let kh = 0; kh < g.ekh; kh += g.dh) {
                const xh = h0 + kh;
                if (xh < 0 || xh >= g.h) continue;
                for (let kw = 0; kw < g.ekw; kw += g.dw) {
                  const xw = w0 + kw;
                  if (xw < 0 || xw >= g.w) continue;
                  const i = b * sB + xd * sD + xh * sH + xw * sW + ch;
                  const v = xv[i]!;
                  if (v > best || (lastOnTies && v === best)) {
                    best = v;
                    at = i;
                  }
                }
              }
            }
            if (at >= 0) dxv[at] = dxv[at]! + dyv[o]!;
          }
        }
      }
    }
  }
  return dx;
}

interface PoolGradAttrs {
  filterSize: number | number[];
  strides: number | number[];
  pad: 'same' | 'valid' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** MaxPoolGrad with the right initial maximum (tfjs-backend-wasm 4.22 misroutes negative windows). */
export const maxPoolGrad: KernelFunc = ({inputs, backend, attrs}) => {
  const {dy, input} = inputs as {dy: TensorInfo; input: TensorInfo};
  const a = attrsAs<PoolGradAttrs>(attrs);
  const i = backend_util.computePool2DInfo(input.shape as [number, number, number, number],
      a.filterSize as [number, number] | number, a.strides as [number, number] | number, 1, a.pad,
      a.dimRoundingMode);
  return maxPoolGradOnHeap(asWasmBackend(backend), dy, input, {
    b: i.batchSize, d: 1, h: i.inHeight, w: i.inWidth, ch: i.inChannels,
    od: 1, oh: i.outHeight, ow: i.outWidth,
    sd: 1, sh: i.strideHeight, sw: i.strideWidth,
    dd: 1, dh: i.dilationHeight, dw: i.dilationWidth,
    ekd: 1, ekh: i.effectiveFilterHeight, ekw: i.effectiveFilterWidth,
    front: 0, top: i.padInfo.top, left: i.padInfo.left,
  }, false);
};

/** MaxPool3DGrad with the right initial maximum. */
export const maxPool3DGrad: KernelFunc = ({inputs, backend, attrs}) => {
  const {dy, input} = inputs as {dy: TensorInfo; input: TensorInfo};
  const a = attrsAs<PoolGradAttrs>(attrs);
  const i = backend_util.computePool3DInfo(input.shape as [number, number, number, number, number],
      a.filterSize as [number, number, number] | number, a.strides as [number, number, number] | number, 1,
      a.pad as 'same' | 'valid' | number, a.dimRoundingMode);
  return maxPoolGradOnHeap(asWasmBackend(backend), dy, input, {
    b: i.batchSize, d: i.inDepth, h: i.inHeight, w: i.inWidth, ch: i.inChannels,
    od: i.outDepth, oh: i.outHeight, ow: i.outWidth,
    sd: i.strideDepth, sh: i.strideHeight, sw: i.strideWidth,
    dd: i.dilationDepth, dh: i.dilationHeight, dw: i.dilationWidth,
    ekd: i.effectiveFilterDepth, ekh: i.effectiveFilterHeight, ekw: i.effectiveFilterWidth,
    front: i.padInfo.front, top: i.padInfo.top, left: i.padInfo.left,
  }, true);
};

interface SumAttrs {
  axis: number | number[];
  keepDims: boolean;
}

// tfjs's wasm Sum over leading axes first transposes them to the end, which for rank > 2 is a slow
// generic transpose: 33 ms for the bias gradient of W4's Conv3D output ([16,16,16,16,8] → [8]).
// Summing rows in plain JS over the wasm heap takes ~1 ms per million elements, accumulates in
// float64 as tfjs-cpu does, and needs no packing (a ones-row matmul re-packs its fresh operand
// every call: 10 ms for [16384, 64]).
/** Sum over a leading run of axes of a float32 tensor, row by row over the wasm heap. */
export const sum: KernelFunc = (args) => {
  const {inputs, backend, attrs} = args;
  const {x} = inputs as {x: TensorInfo};
  const a = attrsAs<SumAttrs>(attrs);
  const rank = x.shape.length;
  const axes = [...new Set((Array.isArray(a.axis) ? a.axis : [a.axis]).map((v) => (v < 0 ? v + rank : v)))]
      .sort((p, q) => p - q);
  const leading = axes.length > 0 && axes.length < rank && axes.every((v, i) => v === i);
  // Rank 2 needs only a 2-D transpose in tfjs's kernel, which is as fast as this loop.
  if (!leading || rank === 2 || x.dtype !== 'float32') return wasmKernel('Sum').kernelFunc(args);
  const n = x.shape.slice(0, axes.length).reduce((p, v) => p * v, 1);
  const m = x.shape.slice(axes.length).reduce((p, v) => p * v, 1);
  const shape = a.keepDims ? [...axes.map(() => 1), ...x.shape.slice(axes.length)] : x.shape.slice(axes.length);
  const heap = asWasmBackend(backend);
  const out = heap.makeOutput(shape, 'float32');
  const xv = heap.typedArrayFromHeap(x);
  const acc = new Float64Array(m);
  for (let i = 0, o = 0; i < n; i++) {
    for (let j = 0; j < m; j++, o++) acc[j] = acc[j]! + xv[o]!;
  }
  heap.typedArrayFromHeap(out).set(acc);
  return out;
};
