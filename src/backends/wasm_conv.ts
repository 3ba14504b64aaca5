// Convolution kernels for tfjs's 'wasm' backend, all routed onto its XNNPACK Conv2D.
// Porting note: tfjs-backend-wasm 4.22 lacks Conv2DBackpropFilter, and its Conv2DBackpropInput,
// Conv3D and Conv3D gradients are scalar C++ loops; Conv3DBackpropInputV2 is also wrong (its depth
// loop bound omits the frame offset) and Conv3DBackpropFilterV2 is wrong for strides > 1 (integer
// division rounds negative ceilings up). Each kernel here is correct for every stride and padding
// tfjs accepts, checked against the 'cpu' backend in test/backends/wasm.test.ts.
import {backend_util} from '@tensorflow/tfjs-core';
import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {attrsAs, Composer, wasmKernel} from './wasm_compose.js';

type Pad = backend_util.ExplicitPadding | 'same' | 'valid' | number;
type Rounding = 'floor' | 'round' | 'ceil';
type Quad = [number, number, number, number];
type Quint = [number, number, number, number, number];

function prod(xs: readonly number[]): number {
  return xs.reduce((p, v) => p * v, 1);
}

/**
 * Spreads the spatial axes of `t` ([b, …spatial, c]) by the strides: s−1 zeros between neighbours,
 * none after the last, so an axis of n becomes (n−1)·s+1. One rank-4 PadV2 per strided axis.
 */
function dilate(c: Composer, t: TensorInfo, strides: readonly number[]): TensorInfo {
  let cur = t;
  strides.forEach((s, i) => {
    if (s === 1) return;
    const axis = i + 1;
    const shape = cur.shape;
    const n = shape[axis] ?? 1;
    const pre = prod(shape.slice(0, axis));
    const post = prod(shape.slice(axis + 1));
    const padded = c.run('PadV2', {x: c.reshape(cur, [pre, n, 1, post])},
        {paddings: [[0, 0], [0, 0], [0, s - 1], [0, 0]], constantValue: 0});
    const kept = c.run('Slice', {x: c.reshape(padded, [pre, n * s, post])},
        {begin: [0, 0, 0], size: [pre, (n - 1) * s + 1, post]});
    cur = c.reshape(kept, [...shape.slice(0, axis), (n - 1) * s + 1, ...shape.slice(axis + 1)]);
  });
  return cur;
}

/** The filter rotated by 180° in space, in and out channels swapped: [...k, ci, co] → [...k, co, ci]. */
function rotateFilter(c: Composer, filter: TensorInfo): TensorInfo {
  const shape = filter.shape;
  const spatial = shape.slice(0, -2);
  const [ci, co] = shape.slice(-2) as [number, number];
  // Reversing the flattened spatial index reverses every spatial axis at once.
  const flat = c.reshape(filter, [prod(spatial), ci, co]);
  const reversed = c.run('Reverse', {x: flat}, {dims: [0]});
  const swapped = c.run('Transpose', {x: reversed}, {perm: [0, 2, 1]});
  return c.reshape(swapped, [...spatial, co, ci]);
}

// dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·s+kh−top, ow·s+kw−left, ci] · dy[b,oh,ow,co] is itself a
// convolution: of x laid out as [ci, H, W, b] (batch as channels) with dy laid out as the filter
// [OH, OW, b, co], at dilation s. XNNPACK runs it as one GEMM of (ci·kh·kw) × (OH·OW·b) × co.
function conv2dFilterGrad(
    c: Composer, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo, filterShape: Quad): TensorInfo {
  const last = info.dataFormat === 'channelsLast';
  const xt = c.run('Transpose', {x}, {perm: last ? [3, 1, 2, 0] : [1, 2, 3, 0]});
  const dyt = c.run('Transpose', {x: dy}, {perm: last ? [1, 2, 0, 3] : [2, 3, 0, 1]});
  const {top, bottom, left, right} = info.padInfo;
  const r = c.run('Conv2D', {x: xt, filter: dyt}, {
    strides: [1, 1],
    pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
    dataFormat: 'NHWC',
    dilations: [info.strideHeight, info.strideWidth],
  });
  // With 'valid' or uneven 'same' padding the correlation reaches past the kernel: keep kh × kw.
  const [kh, kw, ci, co] = filterShape;
  const cropped = r.shape[1] === kh && r.shape[2] === kw ? r :
      c.run('Slice', {x: r}, {begin: [0, 0, 0, 0], size: [ci, kh, kw, co]});
  return c.run('Transpose', {x: cropped}, {perm: [1, 2, 0, 3]});
}

interface Conv2DBackpropFilterAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: Rounding;
  filterShape: Quad;
}

/** Conv2DBackpropFilter: absent from tfjs-backend-wasm 4.22. */
export const conv2DBackpropFilter: KernelFunc = ({inputs, backend, attrs}) => {
  const {x, dy} = inputs as {x: TensorInfo; dy: TensorInfo};
  const a = attrsAs<Conv2DBackpropFilterAttrs>(attrs);
  const info = backend_util.computeConv2DInfo(x.shape as Quad, a.filterShape, a.strides, 1, a.pad,
      a.dimRoundingMode, false, backend_util.convertConv2DDataFormat(a.dataFormat));
  const c = new Composer(backend);
  return c.finish(conv2dFilterGrad(c, x, dy, info, a.filterShape));
};

interface Conv2DBackpropInputAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: Rounding;
  inputShape: Quad;
}

// dx is the full correlation of dy (spread by the strides to L = (O−1)·s+1) with the rotated filter:
// padding k−1−top before and H+top−L after. That padding is never negative for 'same' and 'valid';
// explicit paddings beyond the kernel, and channelsFirst, keep tfjs's own kernel.
/** Conv2DBackpropInput on XNNPACK (tfjs's own is a scalar loop, 7× slower on LeNet's conv3). */
export const conv2DBackpropInput: KernelFunc = (args) => {
  const {inputs, backend, attrs} = args;
  const {dy, filter} = inputs as {dy: TensorInfo; filter: TensorInfo};
  const a = attrsAs<Conv2DBackpropInputAttrs>(attrs);
  const format = backend_util.convertConv2DDataFormat(a.dataFormat);
  const info = backend_util.computeConv2DInfo(
      a.inputShape, filter.shape as Quad, a.strides, 1, a.pad, a.dimRoundingMode, false, format);
  const [kh, kw] = filter.shape as Quad;
  const lh = (info.outHeight - 1) * info.strideHeight + 1;
  const lw = (info.outWidth - 1) * info.strideWidth + 1;
  const pads = [
    kh - 1 - info.padInfo.top, info.inHeight + info.padInfo.top - lh,
    kw - 1 - info.padInfo.left, info.inWidth + info.padInfo.left - lw,
  ] as const;
  if (format !== 'channelsLast' || Math.min(...pads) < 0) {
    return wasmKernel('Conv2DBackpropInput').kernelFunc(args);
  }
  const c = new Composer(backend);
  const spread = dilate(c, dy, [info.strideHeight, info.strideWidth]);
  return c.finish(c.run('Conv2D', {x: spread, filter: rotateFilter(c, filter)}, {
    strides: [1, 1],
    pad: [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]],
    dataFormat: 'NHWC',
    dilations: [1, 1],
  }));
};

/** A 3-D convolution's geometry with explicit padding (channelsLast). */
interface Geom3 {
  b: number; d: number; h: number; w: number; ci: number;
  od: number; oh: number; ow: number; co: number;
  kd: number; kh: number; kw: number;
  sd: number; sh: number; sw: number;
  dd: number; dh: number; dw: number;
  front: number; back: number; top: number; bottom: number; left: number; right: number;
}

function geom3(i: backend_util.Conv3DInfo): Geom3 {
  return {
    b: i.batchSize, d: i.inDepth, h: i.inHeight, w: i.inWidth, ci: i.inChannels,
    od: i.outDepth, oh: i.outHeight, ow: i.outWidth, co: i.outChannels,
    kd: i.filterDepth, kh: i.filterHeight, kw: i.filterWidth,
    sd: i.strideDepth, sh: i.strideHeight, sw: i.strideWidth,
    dd: i.dilationDepth, dh: i.dilationHeight, dw: i.dilationWidth,
    front: i.padInfo.front, back: i.padInfo.back, top: i.padInfo.top, bottom: i.padInfo.bottom,
    left: i.padInfo.left, right: i.padInfo.right,
  };
}

/** x padded in depth; frame `kd` = the od input frames that filter depth kd meets, as 2-D images. */
function depthFrames(c: Composer, x: TensorInfo, g: Geom3): (kd: number) => TensorInfo {
  // Viewed as [b, depth, h·w·c], so that padding and slicing run on rank-3 fast paths (tfjs's
  // rank-5 Slice is a generic JS loop).
  const hwc = g.h * g.w * g.ci;
  const x3 = c.reshape(x, [g.b, g.d, hwc]);
  const xp = g.front > 0 || g.back > 0 ?
      c.run('PadV2', {x: x3}, {paddings: [[0, 0], [g.front, g.back], [0, 0]], constantValue: 0}) : x3;
  const depth = g.d + g.front + g.back;
  return (kd) => {
    const start = kd * g.dd;
    const frames = start === 0 && g.sd === 1 && g.od === depth ? xp :
        g.sd === 1 ? c.run('Slice', {x: xp}, {begin: [0, start, 0], size: [g.b, g.od, hwc]}) :
        c.stridedSlice(xp, [0, start, 0], [g.b, start + (g.od - 1) * g.sd + 1, hwc], [1, g.sd, 1]);
    return c.reshape(frames, [g.b * g.od, g.h, g.w, g.ci]);
  };
}

// y[b,od] = Σ_kd conv2d(x[b, od·sd + kd·dd − front], w[kd]): one XNNPACK Conv2D per filter depth,
// over all b·od output frames at once.
function conv3dVia2d(c: Composer, x: TensorInfo, filter: TensorInfo, g: Geom3): TensorInfo {
  const frames = depthFrames(c, x, g);
  const parts: TensorInfo[] = [];
  for (let kd = 0; kd < g.kd; kd++) {
    const wk = g.kd === 1 ? filter :
        c.run('Slice', {x: filter}, {begin: [kd, 0, 0, 0, 0], size: [1, g.kh, g.kw, g.ci, g.co]});
    parts.push(c.run('Conv2D', {x: frames(kd), filter: c.reshape(wk, [g.kh, g.kw, g.ci, g.co])}, {
      strides: [g.sh, g.sw],
      pad: [[0, 0], [g.top, g.bottom], [g.left, g.right], [0, 0]],
      dataFormat: 'NHWC',
      dilations: [g.dh, g.dw],
    }));
  }
  return c.reshape(c.addAll(parts), [g.b, g.od, g.oh, g.ow, g.co]);
}

interface Conv3DAttrs {
  strides: number | [number, number, number];
  pad: 'same' | 'valid';
  dataFormat: 'NDHWC' | 'NCDHW';
  dilations: number | [number, number, number];
}

/** Conv3D on XNNPACK's Conv2D (tfjs's own is a scalar loop). */
export const conv3D: KernelFunc = (args) => {
  const {inputs, backend, attrs} = args;
  const {x, filter} = inputs as {x: TensorInfo; filter: TensorInfo};
  const a = attrsAs<Conv3DAttrs>(attrs);
  if (a.dataFormat === 'NCDHW') return wasmKernel('Conv3D').kernelFunc(args);
  const info = backend_util.computeConv3DInfo(x.shape as Quint, filter.shape as Quint, a.strides, a.dilations, a.pad);
  const c = new Composer(backend);
  return c.finish(conv3dVia2d(c, x, filter, geom3(info)));
};

interface Conv3DBackpropFilterAttrs {
  strides: number | [number, number, number];
  pad: 'same' | 'valid';
  filterShape: Quint;
}

/** Conv3DBackpropFilterV2: dW[kd] is the 2-D filter gradient of the frames that kd meets. */
export const conv3DBackpropFilterV2: KernelFunc = ({inputs, backend, attrs}) => {
  const {x, dy} = inputs as {x: TensorInfo; dy: TensorInfo};
  const a = attrsAs<Conv3DBackpropFilterAttrs>(attrs);
  const g = geom3(backend_util.computeConv3DInfo(x.shape as Quint, a.filterShape, a.strides, 1, a.pad));
  const c = new Composer(backend);
  const frames = depthFrames(c, x, g);
  const dy4 = c.reshape(dy, [g.b * g.od, g.oh, g.ow, g.co]);
  const shape2: Quad = [g.kh, g.kw, g.ci, g.co];
  const info2 = backend_util.computeConv2DInfo([g.b * g.od, g.h, g.w, g.ci], shape2, [g.sh, g.sw], 1,
      [[0, 0], [g.top, g.bottom], [g.left, g.right], [0, 0]]);
  const parts: TensorInfo[] = [];
  for (let kd = 0; kd < g.kd; kd++) {
    parts.push(c.reshape(conv2dFilterGrad(c, frames(kd), dy4, info2, shape2), [1, ...shape2]));
  }
  return c.finish(parts.length === 1 && parts[0] !== undefined ? parts[0] : c.runList('Concat', parts, {axis: 0}));
};

interface Conv3DBackpropInputAttrs {
  strides: number | [number, number, number];
  pad: 'same' | 'valid';
  inputShape: Quint;
}

/** Conv3DBackpropInputV2: a Conv3D of the stride-spread dy with the rotated filter. */
export const conv3DBackpropInputV2: KernelFunc = ({inputs, backend, attrs}) => {
  const {dy, filter} = inputs as {dy: TensorInfo; filter: TensorInfo};
  const a = attrsAs<Conv3DBackpropInputAttrs>(attrs);
  const f = geom3(backend_util.computeConv3DInfo(a.inputShape, filter.shape as Quint, a.strides, 1, a.pad));
  const c = new Composer(backend);
  const spread = dilate(c, dy, [f.sd, f.sh, f.sw]);
  const [ld, lh, lw] = [(f.od - 1) * f.sd + 1, (f.oh - 1) * f.sh + 1, (f.ow - 1) * f.sw + 1];
  // 'same' and 'valid' pad less than the kernel, so none of these is negative.
  const g: Geom3 = {
    b: f.b, d: ld, h: lh, w: lw, ci: f.co,
    od: f.d, oh: f.h, ow: f.w, co: f.ci,
    kd: f.kd, kh: f.kh, kw: f.kw,
    sd: 1, sh: 1, sw: 1, dd: 1, dh: 1, dw: 1,
    front: f.kd - 1 - f.front, back: f.d + f.front - ld,
    top: f.kh - 1 - f.top, bottom: f.h + f.top - lh,
    left: f.kw - 1 - f.left, right: f.w + f.left - lw,
  };
  return c.finish(conv3dVia2d(c, spread, rotateFilter(c, filter), g));
};
