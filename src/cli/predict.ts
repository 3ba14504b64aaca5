// `predict`: class probabilities with uncertainty for 28×28 PNG/JPEG digits (decoded in JavaScript by pngjs / jpeg-js) or
// a JSON file of images, with a plain-language verdict that says "unsure" when the posterior draws
// disagree (mutual information above a threshold) or the mean prediction is spread out.
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import jpeg from 'jpeg-js';
import {PNG} from 'pngjs';

import {predictMC, summarize, disposeSummary} from '../predictive/index.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {getFlag, getNumber, getString} from './args.js';
import type {ParsedArgs} from './args.js';
import {IMAGE_SIZE} from './data.js';
import {loadModelDir} from './evaluate.js';
import {DEFAULT_MODEL_DIR} from './fsutil.js';
import type {CommandIo} from './evaluate.js';

/** One image's prediction. */
export interface Prediction {
  input: string;
  predicted: number;
  /** MC-averaged class probabilities. */
  probabilities: number[];
  /** Standard deviation of each class probability over the draws. */
  stddev: number[];
  predictiveEntropy: number;
  mutualInformation: number;
  unsure: boolean;
  verdict: string;
}

const PX = IMAGE_SIZE * IMAGE_SIZE;

/** 8-bit RGBA pixels of a PNG or JPEG file, decoded in JavaScript (pngjs, jpeg-js). */
function decodeRgba(file: string, bytes: Buffer): {width: number, height: number, data: Uint8Array} {
  const isPng = bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (isPng) {
    // The header's size first: a 28×28 digit never needs a large (or hostile) image decoded.
    const width = bytes.readUInt32BE(16);
    const height = bytes.readUInt32BE(20);
    if (width !== IMAGE_SIZE || height !== IMAGE_SIZE) return {width, height, data: new Uint8Array(0)};
    const png = PNG.sync.read(bytes);
    return {width: png.width, height: png.height, data: png.data};
  }
  if (isJpeg) {
    const jpg = jpeg.decode(bytes, {useTArray: true, formatAsRGBA: true, maxResolutionInMP: 1,
      maxMemoryUsageInMB: 64});
    return {width: jpg.width, height: jpg.height, data: jpg.data};
  }
  throw new Error(`${fmt(file)} starts with neither the PNG nor the JPEG signature`);
}

/** A 28×28 PNG or JPEG file as 784 values in [−1, 1] (white digit on black; `invert` for dark on light). */
export async function decodeImage(file: string, invert: boolean): Promise<Float32Array> {
  let img: {width: number, height: number, data: Uint8Array};
  try {
    img = decodeRgba(file, fs.readFileSync(file));
  } catch (e) {
    throw new ValueError(`predict: image must be a readable PNG or JPEG file; got ${fmt(file)} ` +
        `(${e instanceof Error ? e.message : String(e)}).`);
  }
  if (img.width !== IMAGE_SIZE || img.height !== IMAGE_SIZE) {
    throw new ValueError(`predict: image must be 28×28 pixels (MNIST size); got ${fmt(file)} of ` +
        `${img.width}×${img.height}.`);
  }
  const out = new Float32Array(PX);
  const background = invert ? 255 : 0;
  for (let i = 0; i < PX; i++) {
    const [r, g, b, a] = [img.data[4 * i]!, img.data[4 * i + 1]!, img.data[4 * i + 2]!, img.data[4 * i + 3]!];
    // Rec. 601 luma, then transparent pixels flattened onto the background (black, or white with --invert).
    const grey = 0.299 * r + 0.587 * g + 0.114 * b;
    const v = (grey * a + background * (255 - a)) / 255 / 255;
    out[i] = 2 * (invert ? 1 - v : v) - 1;
  }
  return out;
}

function readJsonImages(file: string): Float32Array[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch (e) {
    throw new ValueError(`predict: JSON input must be a readable JSON file; got ${fmt(file)} ` +
        `(${e instanceof Error ? e.message : String(e)}).`);
  }
  const flat = (v: unknown): number[] | null => {
    if (!Array.isArray(v)) return null;
    const f = (v as unknown[]).flat(2);
    return f.length === PX && f.every((x) => typeof x === 'number' && x >= 0 && x <= 1) ? f as number[] : null;
  };
  const single = flat(parsed);
  const list = single ? [single] : Array.isArray(parsed) ? (parsed as unknown[]).map(flat) : [null];
  const bad = list.findIndex((x) => x === null);
  if (list.length === 0 || bad >= 0) {
    throw new ValueError(`predict: JSON input must be one image or an array of images, each 784 numbers ` +
        `(or 28 rows of 28) in [0, 1]; got ${fmt(file)}${bad >= 0 ? ` (entry ${bad} is not)` : ' (empty)'}.`);
  }
  return (list as number[][]).map((img) => Float32Array.from(img, (v) => 2 * v - 1));
}

/** The plain-language verdict of one prediction. */
export function verdictOf(probs: number[], std: number[], mi: number, miThreshold: number):
    {unsure: boolean, verdict: string, predicted: number} {
  const order = probs.map((p, c) => [p, c] as const).sort((a, b) => b[0] - a[0]);
  const [p1, c1] = order[0]!;
  const [p2, c2] = order[1]!;
  const pct = (p: number): string => `${Math.round(100 * p)}%`;
  if (mi > miThreshold) {
    return {unsure: true, predicted: c1, verdict: `Unsure: the model's posterior samples disagree ` +
        `(mutual information ${mi.toFixed(3)} nats > ${Number(miThreshold.toPrecision(3))}); best guesses ${c1} (${pct(p1)}) or ${c2} (${pct(p2)}).`};
  }
  if (p1 < 0.5) {
    return {unsure: true, predicted: c1, verdict: `Unsure: the image itself is ambiguous to the model; ` +
        `best guesses ${c1} (${pct(p1)}) or ${c2} (${pct(p2)}).`};
  }
  return {unsure: false, predicted: c1, verdict: `Looks like a ${c1} (${pct(p1)} ± ${pct(std[c1] ?? 0)}).`};
}

/** Fallback "unsure" threshold on mutual information, in nats, when the model has no history. */
export const DEFAULT_MI_THRESHOLD = 0.25;

/** The 95th percentile of held-out mutual information recorded by `train`, if any. */
function trainedThreshold(p: ParsedArgs): number | undefined {
  const file = path.join(path.resolve(getString(p, 'model-dir', DEFAULT_MODEL_DIR)), 'history.json');
  try {
    const h = JSON.parse(fs.readFileSync(file, 'utf8')) as
        {evaluation?: {bayesian?: {mutualInformationQuantile95?: unknown}}};
    const q = h.evaluation?.bayesian?.mutualInformationQuantile95;
    return typeof q === 'number' && q > 0 ? q : undefined;
  } catch {
    return undefined;
  }
}

/** Runs `predict` on the positional inputs. */
export async function runPredict(p: ParsedArgs, io: CommandIo,
    setBackend: (owner: string) => Promise<string>): Promise<void> {
  if (p.positional.length === 0) {
    throw new ValueError('predict: inputs must be one or more PNG/JPEG/JSON files; got none.');
  }
  const samples = getNumber(p, 'samples', 50);
  const miThreshold = getNumber(p, 'mi-threshold') ?? trainedThreshold(p) ?? DEFAULT_MI_THRESHOLD;
  const invert = getFlag(p, 'invert');
  const images: Float32Array[] = [];
  const names: string[] = [];
  for (const file of p.positional) {
    if (path.extname(file).toLowerCase() === '.json') {
      const list = readJsonImages(file);
      list.forEach((img, i) => { images.push(img); names.push(list.length > 1 ? `${file}[${i}]` : file); });
    } else {
      images.push(await decodeImage(file, invert));
      names.push(file);
    }
  }
  const {model} = await loadModelDir('predict', p, setBackend);
  const x = tf.tensor4d(concat(images), [images.length, IMAGE_SIZE, IMAGE_SIZE, 1]);
  const probs = predictMC(model, x, {samples, batchSize: 256});
  const s = summarize(probs);
  const mean = await s.mean.array();
  const std = await s.stddev.array();
  const ent = await s.predictiveEntropy.array();
  const mi = await s.mutualInformation.array();
  disposeSummary(s);
  tf.dispose([x, probs]);
  model.dispose();
  const results: Prediction[] = names.map((input, i) => {
    const v = verdictOf(mean[i]!, std[i]!, mi[i]!, miThreshold);
    return {input, predicted: v.predicted, probabilities: mean[i]!, stddev: std[i]!,
      predictiveEntropy: ent[i]!, mutualInformation: mi[i]!, unsure: v.unsure, verdict: v.verdict};
  });
  if (getFlag(p, 'json')) {
    io.out.write(`${JSON.stringify(results, null, 1)}\n`);
    return;
  }
  for (const r of results) {
    io.out.write(`${r.input}: ${r.verdict}\n`);
    const bars = r.probabilities.map((q, c) =>
      `    ${c} ${'█'.repeat(Math.round(q * 30)).padEnd(30)} ${(100 * q).toFixed(1).padStart(5)}% ± ${(100 * r.stddev[c]!).toFixed(1)}`);
    io.out.write(`${bars.join('\n')}\n    predictive entropy ${r.predictiveEntropy.toFixed(3)} nats, ` +
        `mutual information ${r.mutualInformation.toFixed(3)} nats\n`);
  }
}

function concat(arrays: Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.length * PX);
  arrays.forEach((a, i) => out.set(a, i * PX));
  return out;
}
