// `compare`: uncertainty for the deterministic LeNet-5 twin that `train` leaves in <model-dir>/baseline,
// by every route of the library — the deterministic net itself, MC dropout (dropout inserted),
// last-layer Laplace, the MOPED-converted Flipout net fine-tuned a few epochs, the from-scratch
// Bayesian LeNet-5 (<model-dir>), and a deep ensemble — scored on the test digits (accuracy, NLL,
// ECE, Brier, OOD AUROC against 90° rotation and pixel noise, time) and under distribution shift
// (rotation 0°…180°, Gaussian pixel noise) in the style of Ovadia et al. 2019. The held-out digits are
// split once: the first --validation-n tune Laplace's λ only, the rest are the test digits of every row.
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import {dnnToBnn, insertDropout} from '../convert/index.js';
import {fitLastLayerLaplace} from '../laplace/index.js';
import {variationalLayers} from '../layers/index.js';
import {accuracy, auroc, brierScore, expectedCalibrationError, heldOutLogLikelihood, predictEnsemble, predictMC,
  predictMCDropout, summarize, disposeSummary} from '../predictive/index.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {getFlag, getNumber, getString} from './args.js';
import type {OptionSpec, ParsedArgs} from './args.js';
import {writeCompareReport} from './compare_report.js';
import type {Digits} from './data.js';
import {IMAGE_SIZE, NUM_CLASSES, imagesTensor, rotate90} from './data.js';
import {loadModelDir} from './evaluate.js';
import type {CommandIo} from './evaluate.js';
import {DEFAULT_MODEL_DIR, ensureWritableDir, writeFileAtomic} from './fsutil.js';
import {buildModel} from './models.js';
import {loadSplit} from './train.js';
import '../layers/index.js';  // registers the variational layer classes for deserialization

/** Options of `compare`. */
export const COMPARE_SPEC: Record<string, OptionSpec> = {
  'model-dir': {kind: 'string', help: 'directory written by train: the Bayesian LeNet-5 (model.json) and its twin in baseline/ (default ./runs/bnn-mnist)'},
  'twin-dir': {kind: 'string', help: 'the deterministic LeNet-5 to start from (default <model-dir>/baseline; trained here when absent)'},
  'twin-epochs': {kind: 'positiveInt', help: 'epochs for the twin when it has to be trained here (default 5; 1 with --fake-data)'},
  'members': {kind: 'positiveInt', help: 'deep-ensemble members K: the twin plus K − 1 trained here (default 3)'},
  'member-epochs': {kind: 'positiveInt', help: 'epochs of each extra ensemble member (default 3; 1 with --fake-data)'},
  'dropout-rate': {kind: 'positiveNumber', help: 'rate of the dropout inserted after every hidden conv/dense layer for MC dropout (default 0.1)'},
  'delta': {kind: 'positiveNumber', help: 'MOPED δ: posterior σ = δ·|w| (default 0.1)'},
  'fine-tune-epochs': {kind: 'nonNegativeInt', help: 'epochs of ELBO fine-tuning of the MOPED Flipout net (default 2; 1 with --fake-data)'},
  'fine-tune-lr': {kind: 'positiveNumber', help: 'Adam learning rate of the fine-tuning (default 0.0001)'},
  'samples': {kind: 'positiveInt', help: 'Monte Carlo draws for MC dropout, MOPED and the Bayesian net (default 10; 3 with --fake-data)'},
  'validation-n': {kind: 'positiveInt', help: 'the first V held-out digits, used only to tune Laplace\'s λ by validation NLL; every method is scored on the rest (default 500; 8 with --fake-data)'},
  'shift-n': {kind: 'positiveInt', help: 'test digits per shift level, the first of the test set (default 500; 16 with --fake-data)'},
  'seed': {kind: 'nonNegativeInt', help: 'seed of the new members, conversions and draws (default 1)'},
  'out': {kind: 'string', help: 'output directory for compare.json, compare.html and the figures (default <model-dir>/compare)'},
  'backend': {kind: 'string', choices: ['cpu', 'wasm', 'webgpu', 'tensorflow'], help: 'tfjs backend (default: wasm, else cpu)'},
  'fake-data': {kind: 'flag', help: 'tiny random data instead of the digits (tests)'},
  'help': {kind: 'flag', help: 'show this help'},
};

/** Rotation angles (degrees) and pixel-noise σ (in units of the [−1, 1] pixel range) of the shift curves. */
export const ROTATIONS = Array.from({length: 13}, (_, k) => 15 * k);
export const NOISE_LEVELS = [0, 0.2, 0.4, 0.6, 0.8, 1.0];

/** The scores of one method. */
export interface MethodResult {
  name: string;
  /** What the method is, in a few words (the table's footnote). */
  detail: string;
  accuracy: number;
  nll: number;
  ece: number;
  brier: number;
  /** AUROC of predictive entropy: test digits vs the same digits rotated 90°. */
  aurocRotated: number;
  /** AUROC of predictive entropy: test digits vs the same digits with N(0, 1) pixel noise. */
  aurocNoise: number;
  /** Seconds to build the method (training, conversion, fit), not counting the twin. */
  setupSeconds: number;
  /** Seconds of all its predictions (test, OOD and shift sets). */
  predictSeconds: number;
  rotation: {accuracy: number[]; ece: number[]};
  noise: {accuracy: number[]; ece: number[]};
}

/** What `compare` writes to compare.json. */
export interface Comparison {
  backend: string;
  /**
   * Digit counts: `heldOut` in all, of which the first `validation` tune Laplace's λ and the other
   * heldOut − validation are the test digits every method is scored on; `shiftN` test digits per shift
   * level. compare.json files written before the split lack `validation`: all their held-out digits
   * were test digits (see {@link testDigits}).
   */
  data: {source: string; train: number; heldOut: number; validation?: number; shiftN: number};
  settings: Record<string, number | string | boolean>;
  rotations: number[];
  noiseLevels: number[];
  methods: MethodResult[];
  /** The method with the lowest mean ECE over rotations ≥ 45°, and that mean against the deterministic net's. */
  bestUnderRotation: {name: string; meanEce: number; deterministicMeanEce: number};
  totalSeconds: number;
}

type Predict = (x: tf.Tensor) => tf.Tensor3D;

function labelsTensor(d: Digits): tf.Tensor1D {
  return tf.tensor1d(d.labels, 'int32');
}

/** Digits start … end − 1 of `d` (copies), with end clamped to d.n. */
function rowsOf(d: Digits, start: number, end: number): Digits {
  const k = Math.max(0, Math.min(end, d.n) - start);
  const px = IMAGE_SIZE * IMAGE_SIZE;
  return {n: k, images: d.images.slice(start * px, (start + k) * px), labels: d.labels.slice(start, start + k)};
}

/** The first min(n, d.n) digits. */
function firstN(d: Digits, n: number): Digits {
  return rowsOf(d, 0, n);
}

/** The number of test digits of a comparison: the held-out digits less the validation digits (0 in older files). */
export function testDigits(c: Comparison): number {
  return c.data.heldOut - (c.data.validation ?? 0);
}

/** The digits rotated by `degrees` counter-clockwise about the centre, background −1. */
export function rotateDigits(x: tf.Tensor4D, degrees: number): tf.Tensor4D {
  if (degrees === 0) return tf.clone(x);
  // Rotated as x + 1 with fill 0: tfjs-backend-wasm 4.22 reads a negative fill value as unsigned
  // (−1 comes back as 4294967296), the cpu backend does not.
  return tf.tidy(() => tf.sub(tf.image.rotateWithOffset(tf.add(x, 1) as tf.Tensor4D, (degrees * Math.PI) / 180, 0), 1) as tf.Tensor4D);
}

/** The digits plus N(0, σ²) pixel noise, clipped to [−1, 1]. */
export function noisyDigits(x: tf.Tensor4D, sigma: number, seed: number): tf.Tensor4D {
  if (sigma === 0) return tf.clone(x);
  return tf.tidy(() => tf.clipByValue(tf.add(x, tf.randomNormal(x.shape, 0, sigma, 'float32', seed)), -1, 1) as tf.Tensor4D);
}

async function trainDeterministic(split: {train: Digits}, epochs: number, seed: number): Promise<tf.LayersModel> {
  const model = buildModel('lenet5-deterministic', {klWeight: 1, seed});
  model.compile({optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy'});
  const x = imagesTensor(split.train);
  const y = tf.tidy(() => tf.oneHot(labelsTensor(split.train), NUM_CLASSES));
  try {
    await model.fit(x, y, {epochs, batchSize: 128, shuffle: true, verbose: 0});
  } finally {
    tf.dispose([x, y]);
  }
  return model;
}

interface Scores {
  accuracy: number;
  nll: number;
  ece: number;
  brier: number;
  entropy: Float32Array;
}

async function score(predict: Predict, x: tf.Tensor, labels: Int32Array): Promise<Scores> {
  const probs = predict(x);
  const s = summarize(probs);
  try {
    const mean = Float32Array.from(await s.mean.data());
    const rows = Array.from({length: labels.length}, (_, i) => Array.from(mean.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES)));
    return {accuracy: accuracy(rows, labels), nll: -heldOutLogLikelihood(rows, labels), ece: expectedCalibrationError(rows, labels),
      brier: brierScore(rows, labels), entropy: Float32Array.from(await s.predictiveEntropy.data())};
  } finally {
    disposeSummary(s);
    probs.dispose();
  }
}

interface EvalSets {
  test: tf.Tensor4D;
  testLabels: Int32Array;
  rotated90: tf.Tensor4D;
  noise1: tf.Tensor4D;
  rotations: tf.Tensor4D[];
  noise: tf.Tensor4D[];
  shiftLabels: Int32Array;
}

async function evaluateMethod(name: string, detail: string, predict: Predict, sets: EvalSets,
    setupSeconds: number): Promise<MethodResult> {
  const t0 = performance.now();
  const held = await score(predict, sets.test, sets.testLabels);
  const rot = await score(predict, sets.rotated90, sets.testLabels);
  const noi = await score(predict, sets.noise1, sets.testLabels);
  const rotation = {accuracy: [] as number[], ece: [] as number[]};
  for (const x of sets.rotations) {
    const s = await score(predict, x, sets.shiftLabels);
    rotation.accuracy.push(s.accuracy);
    rotation.ece.push(s.ece);
  }
  const noise = {accuracy: [] as number[], ece: [] as number[]};
  for (const x of sets.noise) {
    const s = await score(predict, x, sets.shiftLabels);
    noise.accuracy.push(s.accuracy);
    noise.ece.push(s.ece);
  }
  return {name, detail, accuracy: held.accuracy, nll: held.nll, ece: held.ece, brier: held.brier,
    aurocRotated: auroc(held.entropy, rot.entropy), aurocNoise: auroc(held.entropy, noi.entropy),
    setupSeconds, predictSeconds: (performance.now() - t0) / 1000, rotation, noise};
}

function seconds(t0: number): number {
  return (performance.now() - t0) / 1000;
}

const NAME_WIDTH = 32;

/** The plain-text table of a comparison. */
export function formatComparison(c: Comparison): string {
  const head = `  ${'method'.padEnd(NAME_WIDTH)}${'acc'.padStart(8)}${'NLL'.padStart(8)}${'ECE'.padStart(8)}${'Brier'.padStart(8)}` +
    `${'AUROC rot90'.padStart(12)}${'AUROC noise'.padStart(12)}${'ECE rot≥45'.padStart(11)}${'setup s'.padStart(9)}${'pred s'.padStart(8)}`;
  const rows = c.methods.map((m) => `  ${m.name.padEnd(NAME_WIDTH)}${m.accuracy.toFixed(4).padStart(8)}${m.nll.toFixed(4).padStart(8)}` +
    `${m.ece.toFixed(4).padStart(8)}${m.brier.toFixed(4).padStart(8)}${m.aurocRotated.toFixed(4).padStart(12)}` +
    `${m.aurocNoise.toFixed(4).padStart(12)}${meanEceAtLeast45(m, c.rotations).toFixed(4).padStart(11)}` +
    `${m.setupSeconds.toFixed(1).padStart(9)}${m.predictSeconds.toFixed(1).padStart(8)}`);
  const b = c.bestUnderRotation;
  return [`Test digits: ${testDigits(c)} (${c.data.source}), validation digits for Laplace's λ: ${c.data.validation ?? 0}; ` +
    `shift sets: ${c.data.shiftN} test digits per level; ` +
    `backend ${c.backend}; ${c.totalSeconds.toFixed(1)} s in all`, head, ...rows,
  `Best calibrated under rotation ≥ 45°: ${b.name}, mean ECE ${b.meanEce.toFixed(4)} against ${b.deterministicMeanEce.toFixed(4)} ` +
    `for the deterministic net (${(b.meanEce / b.deterministicMeanEce).toFixed(2)}×).`].join('\n');
}

/** Mean ECE over the rotation angles ≥ 45°. */
export function meanEceAtLeast45(m: MethodResult, rotations: readonly number[]): number {
  const e = m.rotation.ece.filter((_, k) => (rotations[k] as number) >= 45);
  return e.reduce((s, v) => s + v, 0) / Math.max(1, e.length);
}

/** Runs `compare`. */
export async function runCompare(p: ParsedArgs, io: CommandIo, setBackend: (owner: string) => Promise<string>): Promise<void> {
  const owner = 'compare';
  if (p.positional.length > 0) throw new ValueError(`${owner}: arguments must be options only; got ${fmt(p.positional)}.`);
  const start = performance.now();
  const fake = getFlag(p, 'fake-data');
  const modelDir = path.resolve(getString(p, 'model-dir', DEFAULT_MODEL_DIR));
  const twinDir = path.resolve(getString(p, 'twin-dir', path.join(modelDir, 'baseline')));
  const outDir = ensureWritableDir(owner, '--out', path.resolve(getString(p, 'out', path.join(modelDir, 'compare'))));
  const seed = getNumber(p, 'seed', 1);
  const members = getNumber(p, 'members', 3);
  const memberEpochs = getNumber(p, 'member-epochs', fake ? 1 : 3);
  const rate = getNumber(p, 'dropout-rate', 0.1);
  if (rate >= 1) throw new ValueError(`${owner}: --dropout-rate must be below 1; got ${rate}.`);
  const delta = getNumber(p, 'delta', 0.1);
  const fineTuneEpochs = getNumber(p, 'fine-tune-epochs', fake ? 1 : 2);
  const fineTuneLr = getNumber(p, 'fine-tune-lr', 1e-4);
  const samples = getNumber(p, 'samples', fake ? 3 : 10);
  const shiftN = getNumber(p, 'shift-n', fake ? 16 : 500);
  const validationN = getNumber(p, 'validation-n', fake ? 8 : 500);
  const split = loadSplit(fake, seed);
  if (validationN >= split.heldOut.n) {
    throw new ValueError(`${owner}: --validation-n must be below the number of held-out digits (${split.heldOut.n}), ` +
        `so that test digits remain; got ${validationN}.`);
  }
  // One deterministic split: the first V held-out digits tune Laplace's λ and nothing else; every
  // method is scored on the rest, and the shift sets are the first --shift-n of those (fewer when the
  // test set is smaller: firstN clamps, and data.shiftN records the count used).
  const validation = firstN(split.heldOut, validationN);
  const test = rowsOf(split.heldOut, validationN, split.heldOut.n);
  const log = (s: string): void => { io.err.write(`${s}\n`); };

  // The twin: the main job's deterministic LeNet-5, or one trained here.
  let twin: tf.LayersModel;
  let backend: string;
  let twinNote: string;
  if (fs.existsSync(path.join(twinDir, 'model.json'))) {
    const loaded = await loadModelDir(owner, p, setBackend, 'twin-dir', twinDir);
    twin = loaded.model;
    backend = loaded.backend;
    if (variationalLayers(twin).length > 0) throw new ValueError(`${owner}: --twin-dir must hold a deterministic model; got ${fmt(twinDir)}.`);
    twinNote = `loaded from ${twinDir}`;
  } else {
    backend = await setBackend(owner);
    const epochs = getNumber(p, 'twin-epochs', fake ? 1 : 5);
    log(`compare: no twin in ${twinDir}; training a deterministic LeNet-5 here (${epochs} epochs)`);
    const t0 = performance.now();
    twin = await trainDeterministic(split, epochs, seed);
    twinNote = `trained here, ${epochs} epochs, ${seconds(t0).toFixed(1)} s`;
  }
  const bayesianDir = path.join(modelDir, 'model.json');
  const bayesian = fs.existsSync(bayesianDir) ? (await loadModelDir(owner, p, setBackend, 'model-dir', modelDir)).model : null;
  if (bayesian !== null && variationalLayers(bayesian).length === 0) {
    throw new ValueError(`${owner}: --model-dir must hold the Bayesian LeNet-5 written by train; got a deterministic model in ${fmt(modelDir)}.`);
  }

  const xTest = imagesTensor(test);
  const shift = firstN(test, shiftN);
  const xShift = imagesTensor(shift);
  const sets: EvalSets = {
    test: xTest, testLabels: test.labels, rotated90: rotate90(xTest), noise1: noisyDigits(xTest, 1, seed + 17),
    rotations: ROTATIONS.map((a) => rotateDigits(xShift, a)),
    noise: NOISE_LEVELS.map((s, k) => noisyDigits(xShift, s, seed + 31 * (k + 1))),
    shiftLabels: shift.labels,
  };
  xShift.dispose();
  const methods: MethodResult[] = [];
  const disposeLater: tf.LayersModel[] = [];
  try {
    const det: Predict = (x) => tf.tidy(() => tf.expandDims(twin.predict(x, {batchSize: 500}) as tf.Tensor2D, 0) as tf.Tensor3D);
    log('compare: deterministic');
    methods.push(await evaluateMethod('deterministic', `the twin (${twinNote})`, det, sets, 0));

    log('compare: MC dropout');
    let t0 = performance.now();
    const dropped = insertDropout(twin, {rate});
    disposeLater.push(dropped);
    const dropSetup = seconds(t0);
    methods.push(await evaluateMethod(`MC dropout (p=${rate})`, `dropout p = ${rate} inserted after every hidden conv/dense layer, ` +
        `${samples} passes, no retraining`, (x) => predictMCDropout(dropped, x, {samples, batchSize: 500, seed}), sets, dropSetup));

    const xTrain = imagesTensor(split.train);
    const yTrain = tf.tensor1d(split.train.labels, 'int32');
    // Two fits of the same GGN: LastLayerLaplace.setPriorPrecision changes λ cheaply, but neither the
    // evidence terms nor the validation grid search are public, so 'validation' needs its own fit.
    for (const tuning of ['marglik', 'validation'] as const) {
      log(`compare: last-layer Laplace (λ by ${tuning === 'marglik' ? 'marginal likelihood' : `validation NLL on ${validation.n} digits`})`);
      t0 = performance.now();
      const val = tuning === 'validation' ? {x: imagesTensor(validation), y: tf.tensor1d(validation.labels, 'int32')} : null;
      const fitted = await fitLastLayerLaplace(twin, {x: xTrain, y: yTrain},
          {batchSize: 500, priorPrecision: tuning, ...(val !== null ? {validation: val} : {})})
          .finally(() => { if (val !== null) tf.dispose([val.x, val.y]); });
      const laSetup = seconds(t0);
      try {
        const lambda = `λ = ${fitted.priorPrecision.toPrecision(3)}`;
        methods.push(await evaluateMethod(tuning === 'marglik' ? 'last-layer Laplace (marglik λ)' : 'last-layer Laplace (val. λ)',
            `${fitted.hessianStructure} GGN of the ${fitted.numParams}-parameter head, ` +
            (tuning === 'marglik' ? `${lambda} (maximiser of the marginal likelihood)` :
              `${lambda} (lowest probit NLL on the ${validation.n} validation digits, grid 10^−2 … 10^4)`) + ', probit predictive',
        (x) => fitted.predict(x, {batchSize: 500}), sets, laSetup));
      } finally {
        fitted.dispose();
      }
    }

    log(`compare: MOPED Flipout (δ = ${delta}, ${fineTuneEpochs} fine-tuning epochs)`);
    t0 = performance.now();
    const moped = dnnToBnn(twin, {estimator: 'flipout', moped: {delta}, numExamples: split.train.n, seed});
    disposeLater.push(moped);
    if (fineTuneEpochs > 0) {
      moped.compile({optimizer: tf.train.adam(fineTuneLr), loss: 'categoricalCrossentropy'});
      const y1 = tf.oneHot(yTrain, NUM_CLASSES);
      await moped.fit(xTrain, y1, {epochs: fineTuneEpochs, batchSize: 128, shuffle: true, verbose: 0});
      y1.dispose();
    }
    const mopedSetup = seconds(t0);
    tf.dispose([xTrain, yTrain]);
    methods.push(await evaluateMethod(`MOPED Flipout (δ=${delta})`, `dnnToBnn(twin, flipout, MOPED δ = ${delta}, prior N(w, 1)), ` +
        `${fineTuneEpochs} epochs ELBO at lr ${fineTuneLr}, ${samples} draws`,
    (x) => predictMC(moped, x, {samples, batchSize: 500}), sets, mopedSetup));

    if (bayesian !== null) {
      log('compare: Bayesian LeNet-5 (from scratch)');
      methods.push(await evaluateMethod('Bayesian LeNet-5 (Flipout)', `trained from scratch by train (${modelDir}), ${samples} draws`,
          (x) => predictMC(bayesian, x, {samples, batchSize: 500}), sets, 0));
    } else {
      log(`compare: no Bayesian LeNet-5 in ${modelDir} (run train first); skipping that row`);
    }

    log(`compare: deep ensemble (K = ${members}: the twin + ${members - 1} trained here, ${memberEpochs} epochs each)`);
    t0 = performance.now();
    const ensemble: tf.LayersModel[] = [twin];
    for (let k = 1; k < members; k++) {
      const m = await trainDeterministic(split, memberEpochs, seed + 1000 * k);
      ensemble.push(m);
      disposeLater.push(m);
    }
    const ensSetup = seconds(t0);
    methods.push(await evaluateMethod(`deep ensemble (K=${members})`, `the twin + ${members - 1} LeNet-5s from fresh seeds ` +
        `(${memberEpochs} epochs each), uniform mixture`, (x) => predictEnsemble(ensemble, x, {batchSize: 500}), sets, ensSetup));
  } finally {
    tf.dispose([sets.test, sets.rotated90, sets.noise1, ...sets.rotations, ...sets.noise]);
    disposeLater.forEach((m) => m.dispose());
    bayesian?.dispose();
    twin.dispose();
  }

  const detMean = meanEceAtLeast45(methods[0] as MethodResult, ROTATIONS);
  const best = methods.reduce((a, m) => (meanEceAtLeast45(m, ROTATIONS) < meanEceAtLeast45(a, ROTATIONS) ? m : a));
  const comparison: Comparison = {
    backend,
    data: {source: split.source, train: split.train.n, heldOut: split.heldOut.n, validation: validation.n, shiftN: shift.n},
    settings: {members, memberEpochs, dropoutRate: rate, delta, fineTuneEpochs, fineTuneLr, samples, validationN, seed, twin: twinNote},
    rotations: ROTATIONS, noiseLevels: NOISE_LEVELS, methods,
    bestUnderRotation: {name: best.name, meanEce: meanEceAtLeast45(best, ROTATIONS), deterministicMeanEce: detMean},
    totalSeconds: seconds(start),
  };
  io.out.write(`${formatComparison(comparison)}\n`);
  await writeFileAtomic(path.join(outDir, 'compare.json'), JSON.stringify(comparison, null, 1));
  io.out.write(`${await writeCompareReport(comparison, outDir)}\n`);
}
