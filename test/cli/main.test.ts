// End-to-end tests of the CLI in fake-data mode on a Bayesian MLP: every command through
// main(argv), the files it writes, and the bad-input cases (clear message, exit code 2, no files).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {main} from '../../src/cli/main.js';
import {loadModel} from '../../src/cli/model_io.js';
import {decodeImage} from '../../src/cli/predict.js';

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(...argv: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    out: {write: (s: string) => { out += s; return true; }},
    err: {write: (s: string) => { err += s; return true; }},
  });
  return {code, out, err};
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfp-cli-'));
const modelDir = path.join(tmp, 'model');
let trained: Run;

/** The weights file model.json in `dir` names (tfp.io writes weights.<uuid>.bin). */
function weightsFileOf(dir: string): string {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as {weightsManifest: Array<{paths: string[]}>};
  return json.weightsManifest[0]!.paths[0]!.replace(/^\.\//, '');
}

function tmpFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));
}

beforeAll(async () => {
  trained = await run('train', '--fake-data', '--model', 'mlp-flipout', '--backend', 'cpu',
    '--out', modelDir, '--seed', '3');
});

afterAll(() => fs.rmSync(tmp, {recursive: true, force: true}));

describe('train', () => {
  it('trains one fake epoch, logs NLL and KL apart, saves model.json + its weights file + history.json', () => {
    expect(trained.err).not.toMatch(/error/);
    expect(trained.code).toBe(0);
    expect(trained.out).toMatch(/epoch 1: nll \d+\.\d+, kl \d+\.\d+/);
    expect(trained.out).toMatch(/accuracy/);
    expect(trained.err).toMatch(/epoch 1\/1 .*2\/2/);   // the progress bar
    for (const f of ['model.json', weightsFileOf(modelDir), 'history.json']) {
      expect(fs.statSync(path.join(modelDir, f)).size).toBeGreaterThan(0);
    }
    expect(tmpFiles(modelDir)).toEqual([]);
    // …and ends with the report from the evaluation it did, printing its path.
    expect(trained.out).toContain(`Wrote ${path.join(modelDir, 'report', 'report.html')}`);
    expect(fs.readFileSync(path.join(modelDir, 'report', 'report.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/);
    const h = JSON.parse(fs.readFileSync(path.join(modelDir, 'history.json'), 'utf8'));
    expect(h.model).toBe('mlp-flipout');
    expect(h.steps).toHaveLength(2);                 // 64 fake digits, batch 32
    expect(h.options.klWeight).toBeCloseTo(1 / 64, 12);  // KL/N scaling, DISTRIBUTIONS.md §5
    for (const s of h.steps) {
      expect(Number.isFinite(s.nll) && Number.isFinite(s.kl)).toBe(true);
    }
    expect(h.evaluation.bayesian.accuracy).toBeGreaterThanOrEqual(0);
    const json = JSON.parse(fs.readFileSync(path.join(modelDir, 'model.json'), 'utf8'));
    expect(JSON.stringify(json.modelTopology)).toMatch(/DenseFlipout/);
  });

  it('anneals the KL weight linearly over --kl-anneal-epochs', async () => {
    const dir = path.join(tmp, 'anneal');
    const r = await run('train', '--fake-data', '--model', 'mlp-deterministic', '--backend', 'cpu',
      '--out', dir, '--epochs', '2', '--kl-anneal-epochs', '2', '--skip-eval', '--batch-size', '16');
    expect(r.code).toBe(0);
    const h = JSON.parse(fs.readFileSync(path.join(dir, 'history.json'), 'utf8'));
    // 4 steps per epoch, 8 anneal steps: β = min(1, step/8) before each step.
    expect(h.steps.map((s: {beta: number}) => s.beta)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((k) => k / 8));
  });
});

describe('train --baseline (deterministic twin in a child process)', () => {
  const dir = path.join(tmp, 'with-child-baseline');
  let r: Run;
  beforeAll(async () => {
    r = await run('train', '--fake-data', '--model', 'mlp-flipout', '--backend', 'cpu', '--out', dir,
      '--samples', '2', '--baseline', 'deterministic', '--seed', '5');
  }, 400_000);   // a child process training a LeNet-5 on cpu: minutes on a loaded 2-core machine

  it('trains lenet5-deterministic alongside, saves it to <out>/baseline and prints its metrics beside the MC ones', () => {
    expect(r.err).not.toMatch(/error|warning/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/baseline: training lenet5-deterministic alongside/);
    expect(r.out).toMatch(/MC predictive +posterior mean +deterministic/);
    for (const f of ['model.json', weightsFileOf(path.join(dir, 'baseline')), 'history.json', 'train.log']) {
      expect(fs.statSync(path.join(dir, 'baseline', f)).size).toBeGreaterThan(0);
    }
    const child = JSON.parse(fs.readFileSync(path.join(dir, 'baseline', 'history.json'), 'utf8'));
    // Same split, epochs, batch, learning rate and seed as the parent.
    expect(child.model).toBe('lenet5-deterministic');
    expect(child.options).toMatchObject({epochs: 1, batchSize: 32, lr: 1e-3, seed: 5, backend: 'cpu'});
    const h = JSON.parse(fs.readFileSync(path.join(dir, 'history.json'), 'utf8'));
    expect(h.baseline).toMatchObject({model: 'lenet5-deterministic', dir: path.join(dir, 'baseline')});
    expect(h.baseline.trainSeconds).toBeCloseTo(child.trainSeconds, 9);
    expect(h.evaluation.deterministic.reliability).toHaveLength(15);
    expect(h.evaluation.deterministic.modelDir).toBe(path.join(dir, 'baseline'));
  });

  it('evaluate picks up <model-dir>/baseline without --baseline-dir', async () => {
    const json = path.join(tmp, 'auto-baseline.json');
    const e = await run('evaluate', '--fake-data', '--model-dir', dir, '--samples', '2', '--backend', 'cpu',
      '--json', json);
    expect(e.code).toBe(0);
    const ev = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(ev.deterministic.modelDir).toBe(path.join(dir, 'baseline'));
    const c = ev.eceVersusDeterministic;
    expect(c.difference).toBeCloseTo(ev.bayesian.ece - ev.deterministic.ece, 9);
    expect(c.lower).toBeLessThanOrEqual(c.upper);
    expect(e.out).toMatch(/ECE, MC predictive − deterministic: -?\d\.\d{4} \(95% paired-bootstrap interval/);
  });

  it('evaluate ignores a stale <model-dir>/baseline that the model\'s history.json does not name', async () => {
    const stale = path.join(tmp, 'stale-baseline');
    fs.cpSync(modelDir, stale, {recursive: true});                       // trained without a baseline
    fs.cpSync(path.join(dir, 'baseline'), path.join(stale, 'baseline'), {recursive: true});
    const json = path.join(tmp, 'stale.json');
    const e = await run('evaluate', '--fake-data', '--model-dir', stale, '--samples', '2', '--backend', 'cpu',
      '--json', json);
    expect(e.code).toBe(0);
    const ev = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(ev.deterministic).toBeUndefined();
    expect(ev.eceVersusDeterministic).toBeUndefined();
  });

  it('report shows the deterministic twin beside the MC predictive, with the ECE comparison', async () => {
    const rep = await run('report', '--fake-data', '--model-dir', dir, '--samples', '2', '--backend', 'cpu');
    expect(rep.code).toBe(0);
    const html = fs.readFileSync(path.join(dir, 'report', 'report.html'), 'utf8');
    expect(html).toMatch(/<th>deterministic net<\/th>/);
    expect(html).toMatch(/paired-bootstrap interval/);
  });

  it('refuses an <out>/baseline that is not a writable directory, before training', async () => {
    const out = path.join(tmp, 'baseline-is-a-file');
    fs.mkdirSync(out, {recursive: true});
    fs.writeFileSync(path.join(out, 'baseline'), 'not a directory');
    const b = await run('train', '--fake-data', '--model', 'mlp-flipout', '--backend', 'cpu', '--out', out,
      '--baseline', 'mlp-deterministic');
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/--out \(its baseline\/ subdirectory\) must be a writable directory; got ".*baseline-is-a-file\/baseline"/);
    expect(fs.existsSync(path.join(out, 'model.json'))).toBe(false);
  });

  it('refuses a Bayesian --baseline by name, before writing anything', async () => {
    const bad = path.join(tmp, 'bad-baseline');
    const b = await run('train', '--fake-data', '--model', 'mlp-flipout', '--backend', 'cpu', '--out', bad,
      '--baseline', 'mlp-flipout');
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/--baseline must be "none" or a deterministic model .*got "mlp-flipout"/);
    expect(fs.existsSync(path.join(bad, 'model.json'))).toBe(false);
  });
});

describe('train --posterior-scale', () => {
  it('starts every kernel stddev at the given σ₀: untransformed scales ~ N(softplus⁻¹(σ₀), 0.1)', async () => {
    const dir = path.join(tmp, 'posterior-scale');
    const r = await run('train', '--fake-data', '--model', 'mlp-flipout', '--backend', 'cpu', '--out', dir,
      '--posterior-scale', '0.01', '--epochs', '1', '--lr', '1e-9', '--skip-eval');
    expect(r.code).toBe(0);
    const model = await loadModel('test', '--model-dir', dir);
    const u = model.getLayer('dense1').weights.find((w) => /kernel_posterior_untransformed_scale/.test(w.name))!;
    const v = Array.from(u.read().dataSync());
    const n = v.length;
    const mean = v.reduce((a, b) => a + b, 0) / n;
    // softplus⁻¹(0.01) = log(expm1(0.01)) = −4.600165…; SE of the mean of n N(·, 0.1) draws.
    expect(Math.abs(mean - Math.log(Math.expm1(0.01)))).toBeLessThan(5 * 0.1 / Math.sqrt(n));
    model.dispose();
  });

  it('refuses a non-positive σ₀', async () => {
    const r = await run('train', '--fake-data', '--backend', 'cpu', '--out', path.join(tmp, 'ps0'),
      '--posterior-scale', '0');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--posterior-scale/);
  });
});

describe('train → evaluate for every MLP estimator', () => {
  for (const model of ['mlp-local-reparameterization', 'mlp-reparameterization', 'mlp-deterministic']) {
    it(`${model} saves a model that evaluate loads`, async () => {
      const dir = path.join(tmp, model);
      const t = await run('train', '--fake-data', '--model', model, '--backend', 'cpu', '--out', dir,
        '--batch-size', '64', '--skip-eval');
      expect(t.code).toBe(0);
      const e = await run('evaluate', '--fake-data', '--model-dir', dir, '--samples', '2', '--backend', 'cpu');
      expect(e.code).toBe(0);
      expect(e.out).toMatch(/accuracy/);
    });
  }
});

describe('evaluate', () => {
  it('prints the metrics table and writes evaluation.json for the saved model', async () => {
    const r = await run('evaluate', '--fake-data', '--model-dir', modelDir, '--samples', '3', '--backend', 'cpu');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ECE \(15 bins\)/);
    expect(r.out).toMatch(/OOD AUROC, entropy \(rotated 90°\)/);
    const e = JSON.parse(fs.readFileSync(path.join(modelDir, 'evaluation.json'), 'utf8'));
    expect(e.samples).toBe(3);
    expect(e.n).toBe(32);
    for (const k of ['accuracy', 'logLikelihood', 'brier', 'ece', 'oodAurocEntropy']) {
      expect(Number.isFinite(e.bayesian[k])).toBe(true);
      expect(Number.isFinite(e.baseline[k])).toBe(true);
    }
    expect(e.bayesian.reliability).toHaveLength(15);
  });

  it('adds a separately trained deterministic model with --baseline-dir', async () => {
    const json = path.join(tmp, 'with-baseline.json');
    const r = await run('evaluate', '--fake-data', '--model-dir', modelDir, '--samples', '2', '--backend', 'cpu',
      '--baseline-dir', path.join(tmp, 'anneal'), '--json', json);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/deterministic/);
    const e = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(Number.isFinite(e.deterministic.ece)).toBe(true);
    expect(e.deterministic.modelDir).toBe(path.join(tmp, 'anneal'));
  });
});

describe('predict', () => {
  it('reads a 28×28 PNG and a JSON array and prints probabilities with a verdict', async () => {
    const png = path.join(tmp, 'digit.png');
    const pixels = Buffer.alloc(28 * 28, 0);
    for (let i = 4; i < 24; i++) pixels[i * 28 + 14] = 255;   // a vertical stroke: a "1"
    await sharp(pixels, {raw: {width: 28, height: 28, channels: 1}}).png().toFile(png);
    const json = path.join(tmp, 'digits.json');
    fs.writeFileSync(json, JSON.stringify([new Array(784).fill(0), new Array(784).fill(0.5)]));
    const r = await run('predict', '--model-dir', modelDir, '--samples', '4', '--json', '--backend', 'cpu', png, json);
    expect(r.err).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const preds = JSON.parse(r.out) as Array<{probabilities: number[], verdict: string, mutualInformation: number}>;
    expect(preds).toHaveLength(3);
    for (const p of preds) {
      expect(p.probabilities).toHaveLength(10);
      expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(p.verdict).toMatch(/^(Looks like a \d|Unsure)/);
      expect(p.mutualInformation).toBeGreaterThanOrEqual(0);
    }
    const text = await run('predict', '--model-dir', modelDir, '--samples', '2', '--backend', 'cpu', png);
    expect(text.out).toMatch(/digit\.png: (Looks like|Unsure)/);
  });
});

describe('predict: image decoding (pngjs / jpeg-js), against sharp as the encoder and reference decoder', () => {
  const side = 28;
  const grey = Buffer.from(Array.from({length: side * side}, (_, i) => (i * 37) % 256));
  const expected = (g: number[], invert = false) => g.map((v) => 2 * (invert ? 1 - v / 255 : v / 255) - 1);

  it('grey, RGB and grey+alpha PNGs decode to the pixel values (alpha flattened onto the background)', async () => {
    const g = Array.from(grey);
    const pngGrey = path.join(tmp, 'grey.png');
    await sharp(grey, {raw: {width: side, height: side, channels: 1}}).png().toFile(pngGrey);
    const rgb = Buffer.alloc(side * side * 3);
    grey.forEach((v, i) => rgb.fill(v, 3 * i, 3 * i + 3));
    const pngRgb = path.join(tmp, 'rgb.png');
    await sharp(rgb, {raw: {width: side, height: side, channels: 3}}).png().toFile(pngRgb);
    const ga = Buffer.alloc(side * side * 2);
    grey.forEach((v, i) => { ga[2 * i] = 255; ga[2 * i + 1] = v; });   // white ink, opacity = value
    const pngAlpha = path.join(tmp, 'alpha.png');
    await sharp(ga, {raw: {width: side, height: side, channels: 2}}).png().toFile(pngAlpha);
    for (const f of [pngGrey, pngRgb, pngAlpha]) {
      const got = Array.from(await decodeImage(f, false));
      const e = expected(g);
      expect(Math.max(...got.map((v, i) => Math.abs(v - e[i]!)))).toBeLessThan(1e-5);
    }
    const inv = Array.from(await decodeImage(pngGrey, true));
    const ei = expected(g, true);
    expect(Math.max(...inv.map((v, i) => Math.abs(v - ei[i]!)))).toBeLessThan(1e-5);
  });

  it('a JPEG decodes to what sharp (libjpeg) decodes, within 2 grey levels', async () => {
    const jpg = path.join(tmp, 'digit.jpg');
    await sharp(grey, {raw: {width: side, height: side, channels: 1}}).jpeg({quality: 95}).toFile(jpg);
    const ref = await sharp(jpg).greyscale().raw().toBuffer();
    const got = Array.from(await decodeImage(jpg, false));
    const e = expected(Array.from(ref));
    expect(Math.max(...got.map((v, i) => Math.abs(v - e[i]!)))).toBeLessThan(2 * 2 / 255 + 1e-6);
  });

  it('refuses a PNG whose header says it is not 28×28 before decoding it', async () => {
    const big = path.join(tmp, 'huge-header.png');
    const bytes = await sharp({create: {width: 28, height: 28, channels: 3, background: '#000'}}).png().toBuffer();
    bytes.writeUInt32BE(100_000, 16);   // IHDR width: a decompression bomb would claim this
    fs.writeFileSync(big, bytes);
    await expect(decodeImage(big, false)).rejects.toThrow(/must be 28×28 pixels .* of 100000×28/);
  });
});

describe('command line surface', () => {
  it('-h and --help print the usage with exit 0; --version prints package.json\'s version', async () => {
    for (const flag of ['-h', '--help']) {
      const r = await run(flag);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^Usage: tfjs-probability <command>/);
    }
    const v = await run('--version');
    expect(v.code).toBe(0);
    const pkg = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../../package.json'), 'utf8')) as {version: string};
    expect(v.out.trim()).toBe(pkg.version);
    const sub = await run('train', '-h');
    expect(sub.code).toBe(0);
    expect(sub.out).toMatch(/^Usage: tfjs-probability train \[options\]/);
  });

  it('suggests the closest command and option for a typo', async () => {
    const c = await run('trian');
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/got "trian" \(did you mean "train"\?\)/);
    const o = await run('train', '--epoch', '1');
    expect(o.code).toBe(2);
    expect(o.err).toMatch(/got "--epoch" \(did you mean --epochs\?\)/);
  });

  for (const key of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
    it(`refuses --${key} (an Object.prototype name) as an unknown option, exit 2, one line`, async () => {
      const r = await run('train', `--${key}`, '1');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(new RegExp(`^error: train: option must be one of .*got "--${key}"\\.\n$`));
    });
  }

  it.skipIf(!fs.existsSync('/proc/self'))('an --out under /proc is refused at once with exit 2 (Node\'s recursive mkdir never returns there)', async () => {
    for (const argv of [['train', '--fake-data', '--out', '/proc/tfp-probe'],
      ['report', '--fake-data', '--model-dir', modelDir, '--out', '/proc/tfp-probe/r']]) {
      const r = await run(...argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--out must be a writable directory; got "\/proc\/tfp-probe/);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });

  it('a KL weight that overflows names --kl-weight (not --lr), exits 2 and leaves no empty --out behind', async () => {
    const out = path.join(tmp, 'new-parent', 'kl-overflow');
    const r = await run('train', '--fake-data', '--model', 'mlp-flipout', '--backend', 'cpu', '--kl-weight', '1e300',
      '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/the KL term .* is not finite; try a lower --kl-weight/);
    expect(fs.existsSync(path.join(tmp, 'new-parent'))).toBe(false);
  });
});

describe('report', () => {
  it('writes one self-contained HTML file and SVG + PNG figures', async () => {
    const out = path.join(tmp, 'report');
    const r = await run('report', '--fake-data', '--model-dir', modelDir, '--samples', '3', '--out', out, '--backend', 'cpu');
    expect(r.err).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const names = ['training_loss', 'training_kl', 'training_accuracy', 'weight_means', 'weight_stddevs', 'reliability',
      'entropy_ood', 'least_certain', 'most_certain'];
    for (const n of names) {
      const pngBytes = fs.readFileSync(path.join(out, `${n}.png`));
      expect(pngBytes.subarray(1, 4).toString()).toBe('PNG');
      expect(fs.readFileSync(path.join(out, `${n}.svg`), 'utf8')).toMatch(/^<svg/);
    }
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html.match(/<svg/g)?.length).toBe(names.length);
    expect(html).not.toMatch(/<(script|link|img)\b/);    // self-contained
    expect(html).toMatch(/expected calibration error/);
    expect(tmpFiles(out)).toEqual([]);
  });
});

describe('bad input', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['unknown command', ['fit'], /command must be one of .*got "fit"/],
    ['unknown option', ['train', '--fake-data', '--bogus', '1'], /option must be one of .*--epochs.*got "--bogus"/],
    ['unknown model', ['train', '--fake-data', '--model', 'resnet'], /--model must be one of .*"mlp-flipout".*got "resnet"/],
    ['zero epochs', ['train', '--fake-data', '--epochs', '0'], /--epochs must be a positive integer; got "0"/],
    ['negative samples', ['evaluate', '--samples', '-5'], /--samples must be a positive integer; got "-5"/],
    ['non-numeric lr', ['train', '--lr', 'fast'], /--lr must be a positive number; got "fast"/],
    ['unknown backend', ['train', '--backend', 'gpu'], /--backend must be one of "cpu", "wasm", "webgpu", "tensorflow"; got "gpu"/],
    ['missing value', ['train', '--epochs'], /--epochs needs a value/],
    ['predict without inputs', ['predict', '--backend', 'cpu'], /inputs must be one or more PNG\/JPEG\/JSON files; got none/],
  ];
  for (const [name, argv, re] of cases) {
    it(`refuses ${name} with exit code 2 and a clear message`, async () => {
      const r = await run(...argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(re);
    });
  }

  it('refuses a missing model directory', async () => {
    const r = await run('evaluate', '--model-dir', path.join(tmp, 'nope'), '--backend', 'cpu');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--model-dir must be a directory holding model.json and its weights .*nope.*ENOENT/);
  });

  it('refuses a corrupt model.json and a truncated weights file', async () => {
    const bad = path.join(tmp, 'corrupt');
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, 'model.json'), '{"modelTopology": ');
    let r = await run('evaluate', '--model-dir', bad, '--backend', 'cpu');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--model-dir must be a directory holding model.json.*JSON/);
    fs.copyFileSync(path.join(modelDir, 'model.json'), path.join(bad, 'model.json'));
    fs.writeFileSync(path.join(bad, weightsFileOf(modelDir)), Buffer.alloc(100));
    r = await run('predict', '--model-dir', bad, '--backend', 'cpu', path.join(tmp, 'digits.json'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/100 bytes/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('refuses an unreadable image and an image of the wrong size', async () => {
    const notImage = path.join(tmp, 'not-an-image.png');
    fs.writeFileSync(notImage, 'hello');
    let r = await run('predict', '--model-dir', modelDir, '--backend', 'cpu', notImage);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/image must be a readable PNG or JPEG file; got ".*not-an-image.png"/);
    const big = path.join(tmp, 'big.png');
    await sharp({create: {width: 30, height: 30, channels: 3, background: '#000'}}).png().toFile(big);
    r = await run('predict', '--model-dir', modelDir, '--backend', 'cpu', big);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/image must be 28×28 pixels .*got ".*big.png" of 30×30/);
    const badJson = path.join(tmp, 'bad.json');
    fs.writeFileSync(badJson, '[[1, 2, 3]]');
    r = await run('predict', '--model-dir', modelDir, '--backend', 'cpu', badJson);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/JSON input must be one image or an array of images, each 784 numbers/);
  });

  it('refuses an unwritable output directory before training, writing nothing', async () => {
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, '');
    const r = await run('train', '--fake-data', '--model', 'mlp-flipout', '--backend', 'cpu', '--out', path.join(file, 'sub'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--out must be a writable directory; got ".*a-file\/sub"/);
    expect(r.out).toBe('');
    const rep = await run('report', '--fake-data', '--model-dir', modelDir, '--out', path.join(file, 'x'), '--backend', 'cpu');
    expect(rep.code).toBe(2);
    expect(rep.err).toMatch(/--out must be a writable directory/);
  });
});

describe('memory', () => {
  it('train (2 epochs) and evaluate leave tf.memory().numTensors where they found it', async () => {
    const start = tf.memory().numTensors;
    const dir = path.join(tmp, 'memory');
    expect((await run('train', '--fake-data', '--model', 'mlp-flipout', '--backend', 'cpu', '--out', dir,
      '--epochs', '2', '--samples', '2')).code).toBe(0);
    expect(tf.memory().numTensors).toBe(start);
    expect((await run('evaluate', '--fake-data', '--model-dir', dir, '--samples', '2', '--backend', 'cpu')).code).toBe(0);
    expect(tf.memory().numTensors).toBe(start);
  });
});

describe('process', () => {
  it('exits non-zero with the message on stderr when spawned', async () => {
    const {spawnSync} = await import('node:child_process');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'train', '--epochs', '0'],
        {encoding: 'utf8', cwd: path.resolve(import.meta.dirname, '../..')});
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/error: train: --epochs must be a positive integer; got "0"\./);
  });
});
