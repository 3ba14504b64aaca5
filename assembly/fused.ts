// SIMD float32 kernels for the mean-field Normal posterior on tfjs's 'wasm' backend, written in
// AssemblyScript (compiled by `npm run build:wasm` into src/backends/wasm_fused_module.ts).
//
// The module imports tfjs-backend-wasm's own linear memory and reads and writes tensors in place:
// every pointer below is a byte offset into that heap. It therefore must not own any memory: no
// static data, no allocation, no strings (the build checks that the binary has no data section).
//
// Why: tfjs-backend-wasm 4.22 runs Softplus, Log1p and Reciprocal as scalar C loops that call libm
// (14–23 ns per element for Softplus), and the KL of N(μ, σ) against N(0, 1) took 12 kernels
// forward and backward. Here each is one pass of 4-wide SIMD.
//
// exp and log are Cephes' single-precision polynomials (S. Moshier, public domain), evaluated four
// lanes at a time; test/backends/wasm_fused.test.ts checks every kernel against float64 references.

// ---------------------------------------------------------------------------------------------
// Elementary functions, four lanes at a time

const LOG2E: f32 = 1.44269504088896341;
// ln 2 split so that n·LN2_HI is exact for |n| ≤ 2^9.
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const SQRT2: f32 = 1.41421356237309505;
// 1.5·2^23: adding it rounds |v| < 2^22 to an integer held in the low mantissa bits.
const SHIFTER: f32 = 12582912.0;

/** e^x for x ≤ 0 (NaN stays NaN; below −104 the result is 0). Relative error ≲ 2 ulp. */
// @ts-ignore: decorator
@inline function expNonPositive(x0: v128): v128 {
  // pmax maps to one maxps; NaN in x0 (its first operand) is kept.
  const x = f32x4.pmax(x0, f32x4.splat(-104.0));
  // n = round-to-nearest(x·log2 e) by the 1.5·2^23 shifter: its low mantissa bits hold n.
  const shifted = f32x4.add(f32x4.mul(x, f32x4.splat(LOG2E)), f32x4.splat(SHIFTER));
  const n = f32x4.sub(shifted, f32x4.splat(SHIFTER));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  // 1 + r + r²·P(r), P of degree 5 by Estrin's scheme (shorter dependency chains than Horner's:
  // this loop is latency-bound).
  const r2 = f32x4.mul(r, r);
  const r4 = f32x4.mul(r2, r2);
  const pa = f32x4.add(f32x4.mul(r, f32x4.splat(1.6666665459e-1)), f32x4.splat(5.0000001201e-1));
  const pb = f32x4.add(f32x4.mul(r, f32x4.splat(8.3334519073e-3)), f32x4.splat(4.1665795894e-2));
  const pc = f32x4.add(f32x4.mul(r, f32x4.splat(1.9875691500e-4)), f32x4.splat(1.3981999507e-3));
  const p = f32x4.add(f32x4.add(pa, f32x4.mul(r2, pb)), f32x4.mul(r4, pc));
  const y = f32x4.add(f32x4.add(f32x4.mul(p, r2), r), f32x4.splat(1.0));
  // 2^n with n ∈ [−150, 0] as two normal factors 2^⌊n/2⌋ · 2^(n − ⌊n/2⌋), so that results in the
  // subnormal range round correctly instead of being flushed.
  const ni = i32x4.sub(shifted, f32x4.splat(SHIFTER));
  const half = i32x4.shr_s(ni, 1);
  const s1 = i32x4.shl(i32x4.add(half, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(ni, half), i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(y, s1), s2);
}

/**
 * The part of log(m) + e·ln 2 beyond (m − 1) + e·ln2_hi, for m ∈ [√½, √2) and e a small integer
 * as float (Cephes logf): log = x + y + e·ln2_hi with x = m − 1 (exact). Kept apart so that callers
 * can cancel x against terms of their own exactly.
 */
// @ts-ignore: decorator
@inline function logTail(x: v128, e: v128): v128 {
  const z = f32x4.mul(x, x);
  // P(x) of degree 8 by Estrin's scheme (shorter dependency chains than Horner's: these loops are
  // latency-bound).
  const z2 = f32x4.mul(z, z);
  const e0 = f32x4.add(f32x4.mul(x, f32x4.splat(-2.4999993993e-1)), f32x4.splat(3.3333331174e-1));
  const e1 = f32x4.add(f32x4.mul(x, f32x4.splat(-1.6668057665e-1)), f32x4.splat(2.0000714765e-1));
  const e2 = f32x4.add(f32x4.mul(x, f32x4.splat(-1.2420140846e-1)), f32x4.splat(1.4249322787e-1));
  const e3 = f32x4.add(f32x4.mul(x, f32x4.splat(-1.1514610310e-1)), f32x4.splat(1.1676998740e-1));
  const f0 = f32x4.add(e0, f32x4.mul(z, e1));
  const f1 = f32x4.add(e2, f32x4.mul(z, e3));
  const p = f32x4.add(f32x4.add(f0, f32x4.mul(z2, f1)), f32x4.mul(f32x4.mul(z2, z2), f32x4.splat(7.0376836292e-2)));
  let y = f32x4.mul(f32x4.mul(p, x), z);
  y = f32x4.add(y, f32x4.mul(e, f32x4.splat(LN2_LO)));
  return f32x4.sub(y, f32x4.mul(z, f32x4.splat(0.5)));
}

/** log(m) + e·ln 2 for m ∈ [√½, √2): relative error ≲ 2 ulp, absolute ≲ 1 ulp of m − 1 near m = 1. */
// @ts-ignore: decorator
@inline function logReduced(m: v128, e: v128): v128 {
  const x = f32x4.sub(m, f32x4.splat(1.0));
  return f32x4.add(f32x4.add(x, logTail(x, e)), f32x4.mul(e, f32x4.splat(LN2_HI)));
}

/** u = 2^e · m with m ∈ [√½, √2), for normal positive u: [m, e as float]. */
// @ts-ignore: decorator
@inline function reduceMantissa(u: v128): v128 {
  const f = v128.or(v128.and(u, i32x4.splat(0x007fffff)), i32x4.splat(0x3f800000));
  const big = f32x4.gt(f, f32x4.splat(SQRT2));
  return v128.bitselect(f32x4.mul(f, f32x4.splat(0.5)), f, big);
}

// @ts-ignore: decorator
@inline function reduceExponent(u: v128): v128 {
  const f = v128.or(v128.and(u, i32x4.splat(0x007fffff)), i32x4.splat(0x3f800000));
  const big = f32x4.gt(f, f32x4.splat(SQRT2));
  const k = i32x4.sub(i32x4.shr_u(v128.and(u, i32x4.splat(0x7fffffff)), 23), i32x4.splat(127));
  return f32x4.add(f32x4.convert_i32x4_s(k), v128.and(big, f32x4.splat(1.0)));
}

/**
 * log(1 + t) for t > −1 (t = −1 gives −∞, t < −1 or NaN gives NaN, +∞ gives +∞). u = 1 + t is
 * rounded; the rounding error t − (u − 1), exact in float32, is added back as its first-order
 * term (Goldberg's correction), so small t keep full relative precision.
 */
// @ts-ignore: decorator
@inline function log1p(t: v128): v128 {
  const one = f32x4.splat(1.0);
  const u = f32x4.add(one, t);
  // u ≥ 2^−25 is normal whenever t > −1.
  const correction = f32x4.div(f32x4.sub(t, f32x4.sub(u, one)), u);
  let r = f32x4.add(logReduced(reduceMantissa(u), reduceExponent(u)), correction);
  // Special values: u = 0 → −∞; u = +∞ → +∞; u < 0 → NaN; NaN stays NaN through the arithmetic.
  r = v128.bitselect(f32x4.splat(-Infinity), r, f32x4.eq(u, f32x4.splat(0.0)));
  r = v128.bitselect(f32x4.splat(Infinity), r, f32x4.eq(u, f32x4.splat(Infinity)));
  r = v128.bitselect(f32x4.splat(NaN), r, f32x4.lt(u, f32x4.splat(0.0)));
  return r;
}

/** log(1 + t) for t ∈ [0, 1] or NaN: {@link log1p} without the exponent extraction and special values. */
// @ts-ignore: decorator
@inline function log1pUnit(t: v128): v128 {
  const one = f32x4.splat(1.0);
  const u = f32x4.add(one, t);
  const big = f32x4.gt(u, f32x4.splat(SQRT2));
  const m = v128.bitselect(f32x4.mul(u, f32x4.splat(0.5)), u, big);
  const e = v128.and(big, one);
  const correction = f32x4.div(f32x4.sub(t, f32x4.sub(u, one)), u);
  return f32x4.add(logReduced(m, e), correction);
}

/** softplus(x) = max(x, 0) + log1p(e^−|x|), accurate for every float32 x (no cutoffs). */
// @ts-ignore: decorator
@inline function softplusV(x: v128): v128 {
  const t = expNonPositive(f32x4.neg(f32x4.abs(x)));
  // pmax keeps a NaN x (its first operand); max(+∞, 0) = +∞ and e^−∞ = 0 give softplus(±∞) right.
  return f32x4.add(f32x4.pmax(x, f32x4.splat(0.0)), log1pUnit(t));
}

/**
 * KL(N(μ, σ) ‖ N(0, 1)) = ½μ² + ½(σ² − 1) − log σ. With d = σ − 1 and log σ = x + y + e·ln2_hi
 * (σ = 2^e·m, x = m − 1): ½(σ² − 1) − log σ = ½d² + (d − x − e·ln2_hi) − y, where d − x = 0
 * exactly for σ ∈ [√½, √2): the O(d) terms cancel before rounding, so the value keeps its relative
 * precision near σ = 1 (≈ d²), and log σ is taken of σ itself, so a small σ loses nothing either.
 */
// @ts-ignore: decorator
@inline function klStdV(loc: v128, scale: v128): v128 {
  const d = f32x4.sub(scale, f32x4.splat(1.0));
  // A subnormal σ is scaled by 2^24 into the normal range first.
  const tiny = f32x4.lt(scale, f32x4.splat(1.17549435e-38));
  const s = v128.bitselect(f32x4.mul(scale, f32x4.splat(16777216.0)), scale, tiny);
  const e = f32x4.sub(reduceExponent(s), v128.and(tiny, f32x4.splat(24.0)));
  const x = f32x4.sub(reduceMantissa(s), f32x4.splat(1.0));
  const linear = f32x4.sub(f32x4.sub(d, x), f32x4.mul(e, f32x4.splat(LN2_HI)));
  const quad = f32x4.mul(f32x4.add(f32x4.mul(loc, loc), f32x4.mul(d, d)), f32x4.splat(0.5));
  let r = f32x4.sub(f32x4.add(quad, linear), logTail(x, e));
  // σ = 0 → +∞; σ < 0 → NaN; σ = +∞ → +∞ (NaN stays NaN).
  r = v128.bitselect(f32x4.splat(Infinity), r, f32x4.eq(scale, f32x4.splat(0.0)));
  r = v128.bitselect(f32x4.splat(Infinity), r, f32x4.eq(scale, f32x4.splat(Infinity)));
  r = v128.bitselect(f32x4.splat(NaN), r, f32x4.lt(scale, f32x4.splat(0.0)));
  return r;
}

// ---------------------------------------------------------------------------------------------
// Kernels over the heap: pointers are byte offsets of float32 arrays of n elements. The tail
// (n mod 4) goes through the same vector code one lane at a time, so it never reads past a tensor.

// @ts-ignore: decorator
@inline function load1(p: usize): v128 {
  return f32x4.splat(load<f32>(p));
}

// @ts-ignore: decorator
@inline function store1(p: usize, v: v128): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
}

/** y = softplus(x). */
export function softplus(x: usize, y: usize, n: i32): void {
  const end = <usize>n << 2;
  const vend = end & ~<usize>15;
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(y + i, softplusV(v128.load(x + i)));
  for (; i < end; i += 4) store1(y + i, softplusV(load1(x + i)));
}

/** y = log1p(x). */
export function log1pKernel(x: usize, y: usize, n: i32): void {
  const end = <usize>n << 2;
  const vend = end & ~<usize>15;
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(y + i, log1p(v128.load(x + i)));
  for (; i < end; i += 4) store1(y + i, log1p(load1(x + i)));
}

/** out = KL(N(loc, scale) ‖ N(0, 1)) elementwise. */
export function klStdNormal(loc: usize, scale: usize, out: usize, n: i32): void {
  const end = <usize>n << 2;
  const vend = end & ~<usize>15;
  let i: usize = 0;
  for (; i < vend; i += 16) v128.store(out + i, klStdV(v128.load(loc + i), v128.load(scale + i)));
  for (; i < end; i += 4) store1(out + i, klStdV(load1(loc + i), load1(scale + i)));
}

/** dLoc = dy·μ, dScale = dy·(σ − 1/σ): the gradient of {@link klStdNormal}. */
export function klStdNormalGrad(loc: usize, scale: usize, dy: usize, dLoc: usize, dScale: usize,
    n: i32): void {
  const end = <usize>n << 2;
  const vend = end & ~<usize>15;
  let i: usize = 0;
  for (; i < vend; i += 16) {
    const g = v128.load(dy + i);
    const s = v128.load(scale + i);
    v128.store(dLoc + i, f32x4.mul(g, v128.load(loc + i)));
    v128.store(dScale + i, f32x4.mul(g, f32x4.sub(s, f32x4.div(f32x4.splat(1.0), s))));
  }
  for (; i < end; i += 4) {
    const g = load1(dy + i);
    const s = load1(scale + i);
    store1(dLoc + i, f32x4.mul(g, load1(loc + i)));
    store1(dScale + i, f32x4.mul(g, f32x4.sub(s, f32x4.div(f32x4.splat(1.0), s))));
  }
}
