// `compare`: the shift transforms (rotation with the −1 background, clipped pixel noise), the table,
// the "best under rotation" summary and the report files, on a synthetic comparison; the command's
// option handling through main(argv); and one --fake-data run end to end (tiny nets, 64 + 32 random
// digits). The full run trains LeNet-5s and is measured in docs/EXISTING_MODELS.md, not here.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import type {Comparison, MethodResult} from '../../src/cli/compare.js';
import {formatComparison, meanEceAtLeast45, noisyDigits, NOISE_LEVELS, rotateDigits, ROTATIONS, testDigits} from '../../src/cli/compare.js';
import {writeCompareReport} from '../../src/cli/compare_report.js';
import {main} from '../../src/cli/main.js';

async function run(...argv: string[]): Promise<{code: number; out: string; err: string}> {
  let out = '';
  let err = '';
  const code = await main(argv, {out: {write: (s: string) => { out += s; return true; }},
    err: {write: (s: string) => { err += s; return true; }}});
  return {code, out, err};
}

function digits(): tf.Tensor4D {
  // A bright bar on the −1 background.
  const img = new Float32Array(28 * 28).fill(-1);
  for (let r = 4; r < 24; r++) img[r * 28 + 10] = 1;
  return tf.tensor4d(img, [1, 28, 28, 1]);
}

describe('compare shift transforms', () => {
  it('rotation by 0° is the input; by 180° flips both axes; the background stays −1 and values stay in [−1, 1]', () => {
    const x = digits();
    expect(rotateDigits(x, 0).arraySync()).toEqual(x.arraySync());
    const flipped = tf.reverse(x, [1, 2]).arraySync() as number[][][][];
    const r180 = rotateDigits(x, 180).arraySync() as number[][][][];
    // tfjs rotates about the pixel-grid centre: 180° maps pixel (i, j) to (27 − i, 27 − j) up to one pixel of rounding.
    const onIn = flipped[0]!.flatMap((row, i) => row.flatMap((v, j) => (v[0] === 1 ? [[i, j]] : [])));
    const onOut = r180[0]!.flatMap((row, i) => row.flatMap((v, j) => (Math.abs((v[0] as number) - 1) < 1e-6 ? [[i, j]] : [])));
    expect(onOut.length).toBe(onIn.length);
    onOut.forEach(([i, j], k) => {
      expect(Math.abs(i! - onIn[k]![0]!)).toBeLessThanOrEqual(1);
      expect(Math.abs(j! - onIn[k]![1]!)).toBeLessThanOrEqual(1);
    });
    const r45 = rotateDigits(x, 45).dataSync();
    expect(r45[0]).toBeCloseTo(-1, 6);
    expect(Math.min(...r45)).toBeGreaterThanOrEqual(-1 - 1e-6);
    expect(Math.max(...r45)).toBeLessThanOrEqual(1 + 1e-6);
  });

  it('pixel noise: σ = 0 is the input; otherwise seeded, clipped to [−1, 1], with the stated spread away from the clip', () => {
    const x = tf.zeros([4, 28, 28, 1]) as tf.Tensor4D;
    expect(noisyDigits(x, 0, 1).arraySync()).toEqual(x.arraySync());
    const a = noisyDigits(x, 0.2, 5).dataSync();
    expect(Array.from(noisyDigits(x, 0.2, 5).dataSync())).toEqual(Array.from(a));
    const sd = Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0) / a.length);
    expect(Math.abs(sd - 0.2)).toBeLessThan(5 * 0.2 / Math.sqrt(2 * a.length) + 0.005);   // clipping at ±5σ is negligible
    const b = noisyDigits(x, 3, 6).dataSync();
    expect(Math.max(...b)).toBeLessThanOrEqual(1);
    expect(Math.min(...b)).toBeGreaterThanOrEqual(-1);
  });
});

function method(name: string, eceScale: number): MethodResult {
  return {name, detail: `${name} detail`, accuracy: 0.98, nll: 0.07, ece: 0.01 * eceScale, brier: 0.03, aurocRotated: 0.9,
    aurocNoise: 0.8, setupSeconds: 1, predictSeconds: 2,
    rotation: {accuracy: ROTATIONS.map((a) => 1 - a / 400), ece: ROTATIONS.map((a) => eceScale * a / 1000)},
    noise: {accuracy: NOISE_LEVELS.map((s) => 1 - s / 2), ece: NOISE_LEVELS.map((s) => eceScale * s / 10)}};
}

describe('compare report', () => {
  const c: Comparison = {
    backend: 'cpu', data: {source: 'fake', train: 64, heldOut: 32, validation: 8, shiftN: 16}, settings: {members: 3},
    rotations: ROTATIONS, noiseLevels: NOISE_LEVELS, methods: [method('deterministic', 1), method('laplace', 0.4)],
    bestUnderRotation: {name: 'laplace', meanEce: 0.4 * 0.1125, deterministicMeanEce: 0.1125}, totalSeconds: 3,
  };

  it('mean ECE over rotations ≥ 45° averages the 10 angles 45° … 180°', () => {
    // (45 + 60 + … + 180)/10/1000 = 0.1125 for eceScale 1.
    expect(meanEceAtLeast45(c.methods[0]!, ROTATIONS)).toBeCloseTo(0.1125, 12);
  });

  it('the table lists every method and states the best under rotation with its ratio', () => {
    const text = formatComparison(c);
    expect(text).toMatch(/deterministic\s+0\.9800/);
    expect(text).toMatch(/laplace/);
    expect(text).toMatch(/Best calibrated under rotation ≥ 45°: laplace, mean ECE 0\.0450 against 0\.1125 .*\(0\.40×\)/);
  });

  it('the header counts test digits as held-out less validation (32 − 8 = 24), and all held-out for a file without validation', () => {
    expect(formatComparison(c)).toMatch(/^Test digits: 24 \(fake\), validation digits for Laplace's λ: 8; shift sets: 16 test digits/);
    const old: Comparison = {...c, data: {source: 'fake', train: 64, heldOut: 32, shiftN: 16}};
    expect(testDigits(old)).toBe(32);
    expect(formatComparison(old)).toMatch(/^Test digits: 32 \(fake\), validation digits for Laplace's λ: 0;/);
  });

  it('writes compare.html (table + four charts) and the four SVG files', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfp-compare-'));
    const line = await writeCompareReport(c, dir);
    expect(line).toMatch(/compare\.html/);
    const html = fs.readFileSync(path.join(dir, 'compare.html'), 'utf8');
    expect((html.match(/<svg/g) ?? []).length).toBe(4);
    expect(html).toMatch(/<td>laplace<\/td>/);
    expect(html).toMatch(/<p>24 test fake digits .*8 further\s+held-out digits tuned Laplace's λ/);
    for (const f of ['ece_rotation', 'accuracy_rotation', 'ece_noise', 'accuracy_noise']) {
      expect(fs.readFileSync(path.join(dir, `${f}.svg`), 'utf8')).toMatch(/^<svg/);
    }
  });
});

describe('compare command line', () => {
  it('--help lists its options; an unknown option and a positional argument exit 2 with the reason', async () => {
    const help = await run('compare', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--twin-dir/);
    expect(help.out).toMatch(/--fine-tune-epochs/);
    expect(help.out).toMatch(/--validation-n/);
    expect(help.out).toMatch(/--samples.*default 10; 3 with --fake-data/);
    const bad = await run('compare', '--members', '0');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--members must be a positive integer; got "0"/);
    const pos = await run('compare', 'extra');
    expect(pos.code).toBe(2);
    expect(pos.err).toMatch(/compare: arguments must be options only; got \["extra"\]/);
  });
});

describe('compare --fake-data', () => {
  function dirs(): {model: string; out: string} {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tfp-compare-run-'));
    return {model: path.join(root, 'model'), out: path.join(root, 'out')};
  }

  it('refuses --validation-n that leaves no test digits (fake data has 32 held-out), naming the option and the value', async () => {
    const d = dirs();
    for (const v of ['32', '40']) {
      const r = await run('compare', '--fake-data', '--backend', 'cpu', '--model-dir', d.model, '--out', d.out, '--validation-n', v);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(new RegExp(`--validation-n must be below the number of held-out digits \\(32\\).*got ${v}\\.`));
    }
    const zero = await run('compare', '--fake-data', '--validation-n', '0');
    expect(zero.code).toBe(2);
    expect(zero.err).toMatch(/--validation-n must be a positive integer; got "0"/);
  });

  it('scores every method on the 32 − 8 = 24 test digits, with both Laplace rows, and records the validation count', async () => {
    const d = dirs();
    // The default backend (wasm): about 12 s on 2 cores, most of it the two 850 × 850 Laplace fits; cpu takes minutes.
    const r = await run('compare', '--fake-data', '--model-dir', d.model, '--out', d.out, '--members', '2', '--fine-tune-epochs', '0');
    expect(r.err).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const c = JSON.parse(fs.readFileSync(path.join(d.out, 'compare.json'), 'utf8')) as Comparison;
    expect(c.data).toMatchObject({source: 'fake', heldOut: 32, validation: 8, shiftN: 16});
    expect(c.settings).toMatchObject({samples: 3, validationN: 8});
    const names = c.methods.map((m) => m.name);
    expect(names).toContain('last-layer Laplace (marglik λ)');
    expect(names).toContain('last-layer Laplace (val. λ)');
    const val = c.methods.find((m) => m.name === 'last-layer Laplace (val. λ)')!;
    // The λ printed must be a value of the documented validation grid 10^k, k = −2, −1.75, …, 4.
    const lambda = Number(/λ = (\S+) \(lowest probit NLL on the 8 validation digits/.exec(val.detail)?.[1]);
    const k = Math.log10(lambda);
    expect(Math.abs(4 * k - Math.round(4 * k))).toBeLessThan(0.01);
    expect(k).toBeGreaterThanOrEqual(-2 - 1e-9);
    expect(k).toBeLessThanOrEqual(4 + 1e-9);
    expect(c.methods.find((m) => m.name === 'last-layer Laplace (marglik λ)')!.detail).toMatch(/λ = \S+ \(maximiser of the marginal likelihood\)/);
    expect(r.out).toMatch(/^Test digits: 24 \(fake\), validation digits for Laplace's λ: 8;/);
  }, 120_000);
});
