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

// ---------------------------------------------------------------------------------------------
// Random numbers: Philox4x32-10 (Salmon et al., SC'11; Random123's key schedule and constants),
// four counters at a time, one per lane. Key = the 64-bit seed, counter = (block, 0, 0, 0): the
// stream of a seed is a pure function of the element index, so no state is kept between calls.

const PHILOX_M0: i32 = 0xd2511f53;
const PHILOX_M1: i32 = 0xcd9e8d57;
const PHILOX_W0: i32 = 0x9e3779b9;
const PHILOX_W1: i32 = 0xbb67ae85;

// Outputs of philox (four words per lane) and of boxMuller (two normals per lane): wasm globals,
// not memory.
let zCos: v128 = i32x4(0, 0, 0, 0);
let zSin: v128 = i32x4(0, 0, 0, 0);
let w0: v128 = i32x4(0, 0, 0, 0);
let w1: v128 = i32x4(0, 0, 0, 0);
let w2: v128 = i32x4(0, 0, 0, 0);
let w3: v128 = i32x4(0, 0, 0, 0);

/** High 32 bits of the unsigned products a·m, lane by lane. */
// @ts-ignore: decorator
@inline function mulhi(a: v128, m: v128): v128 {
  const lo = i64x2.extmul_low_i32x4_u(a, m);
  const hi = i64x2.extmul_high_i32x4_u(a, m);
  return v128.shuffle<i32>(lo, hi, 1, 3, 5, 7);
}

/** Philox4x32-10 of counters (c0, 0, 0, 0) under key (k0, k1), lane by lane, into w0..w3. */
// @ts-ignore: decorator
@inline function philox(c0: v128, k0: i32, k1: i32): void {
  philoxRounds(c0, i32x4.splat(0), i32x4.splat(0), i32x4.splat(0), k0, k1);
}

/** The ten rounds of Philox4x32 on counters (x0, x1, x2, x3), key (k0, k1), into w0..w3. */
// @ts-ignore: decorator
@inline function philoxRounds(x0: v128, x1: v128, x2: v128, x3: v128, k0: i32, k1: i32): void {
  let key0 = k0;
  let key1 = k1;
  const m0 = i32x4.splat(PHILOX_M0);
  const m1 = i32x4.splat(PHILOX_M1);
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi(x0, m0);
    const lo0 = i32x4.mul(x0, m0);
    const hi1 = mulhi(x2, m1);
    const lo1 = i32x4.mul(x2, m1);
    x0 = v128.xor(v128.xor(hi1, x1), i32x4.splat(key0));
    x1 = lo1;
    x2 = v128.xor(v128.xor(hi0, x3), i32x4.splat(key1));
    x3 = lo0;
    key0 += PHILOX_W0;
    key1 += PHILOX_W1;
  }
  w0 = x0;
  w1 = x1;
  w2 = x2;
  w3 = x3;
}

/** The counters of block b: 4b + lane. */
// @ts-ignore: decorator
@inline function counters(b: i32): v128 {
  return i32x4.add(i32x4.splat(b << 2), i32x4(0, 1, 2, 3));
}

/** A word to a float32 uniform on (0, 1): (⌊w / 2^9⌋ + ½) · 2^−23, exact in float32. */
// @ts-ignore: decorator
@inline function unitOpen(w: v128): v128 {
  const k = f32x4.convert_i32x4_u(i32x4.shr_u(w, 9));
  return f32x4.mul(f32x4.add(k, f32x4.splat(0.5)), f32x4.splat(1.1920928955078125e-7));
}

/**
 * Box–Muller: two standard normals r·cos θ, r·sin θ from the words a (radius) and b (angle), with
 * r = √(−2 ln u), u ∈ (0, 1) from a, and θ = 2π·b/2^32 reduced exactly: the top two bits of b give
 * the quadrant, the next 23 the angle φ ∈ [0, π/2) within it (sin and cos of φ by their Taylor
 * series to φ¹¹ and φ¹², error < 6e−8). |z| ≤ √(2·24 ln 2) = 5.77 (P(|z| > 5.77) = 8e−9).
 */
// @ts-ignore: decorator
@inline function boxMuller(a: v128, b: v128): void {
  const u = unitOpen(a);
  const lnU = logReduced(reduceMantissa(u), reduceExponent(u));
  const r = f32x4.sqrt(f32x4.mul(lnU, f32x4.splat(-2.0)));
  const f = f32x4.convert_i32x4_u(v128.and(i32x4.shr_u(b, 7), i32x4.splat(0x7fffff)));
  const phi = f32x4.mul(f, f32x4.splat(1.8725792755796622e-7));  // π/2 · 2^−23
  const p = f32x4.mul(phi, phi);
  let s = f32x4.splat(-2.5052108385441720e-8);
  s = f32x4.add(f32x4.mul(s, p), f32x4.splat(2.7557319223985893e-6));
  s = f32x4.add(f32x4.mul(s, p), f32x4.splat(-1.9841269841269841e-4));
  s = f32x4.add(f32x4.mul(s, p), f32x4.splat(8.3333333333333333e-3));
  s = f32x4.add(f32x4.mul(s, p), f32x4.splat(-1.6666666666666667e-1));
  s = f32x4.mul(phi, f32x4.add(f32x4.mul(s, p), f32x4.splat(1.0)));
  let c = f32x4.splat(2.0876756987868099e-9);
  c = f32x4.add(f32x4.mul(c, p), f32x4.splat(-2.7557319223985888e-7));
  c = f32x4.add(f32x4.mul(c, p), f32x4.splat(2.4801587301587302e-5));
  c = f32x4.add(f32x4.mul(c, p), f32x4.splat(-1.3888888888888889e-3));
  c = f32x4.add(f32x4.mul(c, p), f32x4.splat(4.1666666666666667e-2));
  c = f32x4.add(f32x4.mul(c, p), f32x4.splat(-0.5));
  c = f32x4.add(f32x4.mul(c, p), f32x4.splat(1.0));
  // Quadrant q: (cos, sin) of qπ/2 + φ = (c, s), (−s, c), (−c, −s), (s, −c).
  const q = i32x4.shr_u(b, 30);
  const swap = i32x4.eq(v128.and(q, i32x4.splat(1)), i32x4.splat(1));
  const cosV = v128.bitselect(s, c, swap);
  const sinV = v128.bitselect(c, s, swap);
  // Sign bits: cos negative for q ∈ {1, 2}, sin negative for q ∈ {2, 3}.
  const cosNeg = i32x4.shl(v128.and(i32x4.add(q, i32x4.splat(1)), i32x4.splat(2)), 30);
  const sinNeg = i32x4.shl(v128.and(q, i32x4.splat(2)), 30);
  zCos = f32x4.mul(r, v128.xor(cosV, cosNeg));
  zSin = f32x4.mul(r, v128.xor(sinV, sinNeg));
}

/** Stores v at element e of out: all four lanes, or those below n in the last group. */
// @ts-ignore: decorator
@inline function storeGroup(out: usize, e: i32, v: v128, n: i32): void {
  const p = out + (<usize>e << 2);
  if (e + 4 <= n) {
    v128.store(p, v);
    return;
  }
  if (e < n) store<f32>(p, f32x4.extract_lane(v, 0));
  if (e + 1 < n) store<f32>(p + 4, f32x4.extract_lane(v, 1));
  if (e + 2 < n) store<f32>(p + 8, f32x4.extract_lane(v, 2));
}

// Output layouts. Block b uses counters 4b … 4b + 3, one per lane, and fills 16 elements (normals,
// uniforms) or 512 (signs) starting at 16b or 512b: element 16b + 4k + lane is value k of that
// lane's counter; for signs, element 512b + 16j + 4k + lane is bit j of its word k.

/** n standard normals of the stream with key (k0, k1). */
export function philoxNormal(out: usize, n: i32, k0: i32, k1: i32): void {
  const blocks = (n + 15) >> 4;
  for (let b = 0; b < blocks; b++) {
    philox(counters(b), k0, k1);
    const e = b << 4;
    boxMuller(w0, w1);
    storeGroup(out, e, zCos, n);
    storeGroup(out, e + 4, zSin, n);
    if (e + 8 < n) {
      boxMuller(w2, w3);
      storeGroup(out, e + 8, zCos, n);
      storeGroup(out, e + 12, zSin, n);
    }
  }
}

/** n uniforms on (0, 1) (multiples of 2^−23 offset by 2^−24) of the stream with key (k0, k1). */
export function philoxUniform(out: usize, n: i32, k0: i32, k1: i32): void {
  const blocks = (n + 15) >> 4;
  for (let b = 0; b < blocks; b++) {
    philox(counters(b), k0, k1);
    const e = b << 4;
    storeGroup(out, e, unitOpen(w0), n);
    storeGroup(out, e + 4, unitOpen(w1), n);
    storeGroup(out, e + 8, unitOpen(w2), n);
    storeGroup(out, e + 12, unitOpen(w3), n);
  }
}

/** ±1 from one bit of w: the bit, moved to the sign position, on the bits of 1.0f. */
// @ts-ignore: decorator
@inline function signOf(w: v128, j: i32): v128 {
  return v128.or(v128.and(i32x4.shl(w, 31 - j), i32x4.splat(0x80000000)), i32x4.splat(0x3f800000));
}

/** n i.i.d. ±1 of the stream with key (k0, k1): 512 signs per block, one per generated bit. */
export function philoxRademacher(out: usize, n: i32, k0: i32, k1: i32): void {
  const blocks = (n + 511) >> 9;
  for (let b = 0; b < blocks; b++) {
    philox(counters(b), k0, k1);
    const base = b << 9;
    for (let j = 0; j < 32; j++) {
      const e = base + (j << 4);
      if (e >= n) break;
      storeGroup(out, e, signOf(w0, j), n);
      storeGroup(out, e + 4, signOf(w1, j), n);
      storeGroup(out, e + 8, signOf(w2, j), n);
      storeGroup(out, e + 12, signOf(w3, j), n);
    }
  }
}

/** Philox4x32-10 of one counter (c0, c1, c2, c3) under (k0, k1), lane 0 of block 0 alone: for the
 * known-answer tests. Writes 4 words at out. */
export function philoxBlock(out: usize, c0: i32, c1: i32, c2: i32, c3: i32, k0: i32, k1: i32): void {
  let x0 = i32x4.splat(c0);
  let x1 = i32x4.splat(c1);
  let x2 = i32x4.splat(c2);
  let x3 = i32x4.splat(c3);
  philoxRounds(x0, x1, x2, x3, k0, k1);
  store<i32>(out, i32x4.extract_lane(w0, 0));
  store<i32>(out + 4, i32x4.extract_lane(w1, 0));
  store<i32>(out + 8, i32x4.extract_lane(w2, 0));
  store<i32>(out + 12, i32x4.extract_lane(w3, 0));
}
