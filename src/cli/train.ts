// `train`: fits a (Bayesian) model on the embedded digits by the per-example negative ELBO,
// NLL + β·Σ KL/N (DISTRIBUTIONS.md §5), logs NLL and KL apart, saves model + history.
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import {totalDivergence, variationalLayers} from '../layers/index.js';
import {ValueError} from '../util/errors.js';
import {startBaseline} from './baseline.js';
import type {BaselineRun} from './baseline.js';
import type {DataSplit} from './data.js';
import {IMAGE_SIZE, NUM_CLASSES, fakeSplit, mnistSplit, permutation} from './data.js';
import {addDeterministic, evaluateModel, formatEvaluation} from './evaluation.js';
import type {Evaluation, EvaluationDetails} from './evaluation.js';
import {ensureWritableDir, writeFileAtomic} from './fsutil.js';
import {writeReport} from './report.js';
import {loadModel, saveModel} from './model_io.js';
import type {ModelName} from './models.js';
import {buildModel, isBayesian} from './models.js';
import {ProgressBar, formatDuration} from './progress.js';
import type {TextSink} from './progress.js';

/** Options of {@link train}. */
export interface TrainOptions {
  model: ModelName;
  epochs: number;
  batchSize: number;
  lr: number;
  /** Weight of Σ KL; default 1/N (N = training examples). */
  klWeight?: number;
  /** Epochs over which β rises linearly from 0 to 1 (0: no annealing). */
  klAnnealEpochs: number;
  /** Initial posterior stddev of every kernel weight; undefined: TFP's softplus(−3). */
  posteriorScale?: number;
  samples: number;
  seed: number;
  out: string;
  fakeData: boolean;
  skipEval: boolean;
  backend: string;
  /** Deterministic model trained alongside in a child process into `<out>/baseline`; null: none. */
  baseline?: ModelName | null;
}

/** One optimisation step, as logged. */
export interface StepRecord {
  step: number;
  epoch: number;
  nll: number;
  /** β-free KL term Σ KL·klWeight of this step (nats per example). */
  kl: number;
  beta: number;
  accuracy: number;
}

/** One epoch's means and the held-out accuracy of one stochastic pass. */
export interface EpochRecord {
  epoch: number;
  nll: number;
  kl: number;
  loss: number;
  accuracy: number;
  heldOutAccuracy: number;
  seconds: number;
}

/** What `train` writes to history.json. */
export interface History {
  model: ModelName;
  options: Omit<TrainOptions, 'out'> & {klWeight: number};
  data: {source: string, train: number, heldOut: number};
  steps: StepRecord[];
  epochs: EpochRecord[];
  trainSeconds: number;
  evaluation: Evaluation | null;
  /** The deterministic twin trained alongside (`--baseline`), if it finished. */
  baseline?: {model: ModelName, dir: string, trainSeconds: number | null};
}

function batchTensors(split: DataSplit['train'], idx: Int32Array): {x: tf.Tensor4D, y: tf.Tensor1D} {
  const px = IMAGE_SIZE * IMAGE_SIZE;
  const xs = new Float32Array(idx.length * px);
  const ys = new Int32Array(idx.length);
  idx.forEach((i, k) => {
    xs.set(split.images.subarray(i * px, (i + 1) * px), k * px);
    ys[k] = split.labels[i]!;
  });
  return {x: tf.tensor4d(xs, [idx.length, IMAGE_SIZE, IMAGE_SIZE, 1]), y: tf.tensor1d(ys, 'int32')};
}

/** Batch-mean −log p(label): categorical cross-entropy of softmax outputs, clipped as Keras does. */
export function meanNll(probs: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.sum(tf.mul(probs, tf.oneHot(labels, NUM_CLASSES)), -1);
    return tf.neg(tf.mean(tf.log(tf.clipByValue(p, 1e-7, 1)))) as tf.Scalar;
  });
}

/** Loads the data of a run: the real digits, or tiny fake data. */
export function loadSplit(fakeData: boolean, seed = 1): DataSplit {
  return fakeData ? fakeSplit(64, 32, seed) : mnistSplit();
}

/** Trains, evaluates and saves; returns the history written to `out/history.json`. */
export async function train(opts: TrainOptions, log: TextSink, progress: TextSink): Promise<History> {
  const split = loadSplit(opts.fakeData, opts.seed);
  const n = split.train.n;
  const klWeight = opts.klWeight ?? 1 / n;
  tf.util.assert(opts.batchSize > 0, () => 'batch size');
  const model = buildModel(opts.model, {klWeight, seed: opts.seed, posteriorScale: opts.posteriorScale});
  const optimizer = tf.train.adam(opts.lr);
  const stepsPerEpoch = Math.ceil(n / opts.batchSize);
  const annealSteps = opts.klAnnealEpochs * stepsPerEpoch;
  const bayesian = isBayesian(opts.model);
  log.write(`train: ${opts.model} (${model.countParams().toLocaleString('en-US')} trainable numbers, ` +
      `${variationalLayers(model).length} variational layers) on ${n} ${split.source} digits, ` +
      `${split.heldOut.n} held out; backend ${opts.backend}; ${opts.epochs} epochs × ${stepsPerEpoch} ` +
      `steps of ${opts.batchSize}; KL weight ${klWeight.toExponential(3)}` +
      `${annealSteps > 0 ? `, annealed over ${opts.klAnnealEpochs} epochs` : ''}\n`);
  const baselineDir = path.join(opts.out, 'baseline');
  const baselineRun = opts.baseline ? startBaseline({model: opts.baseline, out: baselineDir, epochs: opts.epochs,
    batchSize: opts.batchSize, lr: opts.lr, seed: opts.seed, backend: opts.backend, threads: 1,
    fakeData: opts.fakeData}) : null;
  if (baselineRun) {
    log.write(`baseline: training ${opts.baseline} alongside in a child process (log: ${baselineRun.log})\n`);
  }
  try {
    return await trainAndEvaluate(opts, log, progress,
        {split, model, optimizer, klWeight, bayesian, baselineRun, baselineDir});
  } finally {
    baselineRun?.stop();
    optimizer.dispose();
    model.dispose();
  }
}

interface TrainState {
  split: DataSplit;
  model: tf.Sequential;
  optimizer: tf.Optimizer;
  klWeight: number;
  bayesian: boolean;
  baselineRun: BaselineRun | null;
  baselineDir: string;
}

async function trainAndEvaluate(opts: TrainOptions, log: TextSink, progress: TextSink,
    {split, model, optimizer, klWeight, bayesian, baselineRun, baselineDir}: TrainState): Promise<History> {
  const n = split.train.n;
  const stepsPerEpoch = Math.ceil(n / opts.batchSize);
  const annealSteps = opts.klAnnealEpochs * stepsPerEpoch;
  const steps: StepRecord[] = [];
  const epochs: EpochRecord[] = [];
  const xHeld = tf.tensor4d(split.heldOut.images, [split.heldOut.n, IMAGE_SIZE, IMAGE_SIZE, 1]);
  const trainStart = performance.now();
  let step = 0;
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    const order = permutation(n, (opts.seed * 7919 + epoch) >>> 0);
    const bar = new ProgressBar(progress, `epoch ${String(epoch).padStart(String(opts.epochs).length)}/${opts.epochs}`,
        stepsPerEpoch);
    let sumNll = 0;
    let sumKl = 0;
    let sumLoss = 0;
    let sumAcc = 0;
    for (let b = 0; b < stepsPerEpoch; b++) {
      const {x, y} = batchTensors(split.train, order.subarray(b * opts.batchSize, (b + 1) * opts.batchSize));
      const beta = annealSteps > 0 ? Math.min(1, step / annealSteps) : 1;
      let kept: tf.Tensor[] = [];
      const loss = optimizer.minimize(() => {
        const probs = model.apply(x, {training: true}) as tf.Tensor;
        const nll = meanNll(probs, y);
        const kl = bayesian ? totalDivergence(model) : tf.scalar(0);
        const acc = tf.mean(tf.cast(tf.equal(tf.argMax(probs, -1), y), 'float32'));
        kept = [tf.keep(nll), tf.keep(kl), tf.keep(acc)];
        return tf.add(nll, tf.mul(beta, kl)) as tf.Scalar;
      }, true);
      // Asynchronous reads: GPU backends in Node (Dawn) cannot read synchronously.
      const [nll, kl, acc] = (await Promise.all(kept.map(async (t) => (await t.data())[0]!))) as
          [number, number, number];
      const lossValue = loss ? (await loss.data())[0]! : NaN;
      tf.dispose([...kept, x, y]);
      loss?.dispose();
      if (!Number.isFinite(lossValue)) {
        // Name the term that went first: an overflowing KL term (a huge --kl-weight) is not an
        // optimiser problem, and lowering --lr would not help.
        const klTerm = beta * kl;
        const why = !Number.isFinite(klTerm) ?
          `the KL term (β·ΣKL·weight = ${klTerm}, KL weight ${klWeight.toExponential(3)}) is not finite; try a lower --kl-weight` :
          !Number.isFinite(nll) ? `the NLL (${nll}) is not finite; try a lower --lr` :
          `NLL ${nll} + KL term ${klTerm} overflowed; try a lower --kl-weight or --lr`;
        throw new ValueError(`train: the loss became ${lossValue} at step ${step + 1}: ${why}.`);
      }
      step++;
      steps.push({step, epoch, nll, kl, beta, accuracy: acc});
      sumNll += nll;
      sumKl += kl;
      sumLoss += lossValue;
      sumAcc += acc;
      const k = b + 1;
      bar.update(k, {nll: sumNll / k, kl: sumKl / k, acc: sumAcc / k});
    }
    const heldOutAccT = tf.tidy(() => {
      const p = model.predict(xHeld, {batchSize: 1000}) as tf.Tensor;
      return tf.mean(tf.cast(tf.equal(tf.argMax(p, -1), tf.tensor1d(split.heldOut.labels, 'int32')),
          'float32'));
    });
    const heldOutAccuracy = (await heldOutAccT.data())[0]!;
    heldOutAccT.dispose();
    epochs.push({epoch, nll: sumNll / stepsPerEpoch, kl: sumKl / stepsPerEpoch,
      loss: sumLoss / stepsPerEpoch, accuracy: sumAcc / stepsPerEpoch, heldOutAccuracy,
      seconds: bar.elapsed()});
    log.write(`  epoch ${epoch}: nll ${(sumNll / stepsPerEpoch).toFixed(4)}, kl ${(sumKl / stepsPerEpoch).toFixed(4)}, ` +
        `train acc ${(sumAcc / stepsPerEpoch).toFixed(4)} (single draws), held-out acc ` +
        `${heldOutAccuracy.toFixed(4)} (one draw), ${formatDuration(bar.elapsed())}\n`);
  }
  xHeld.dispose();
  const trainSeconds = (performance.now() - trainStart) / 1000;
  let evaluated: {evaluation: Evaluation, details: EvaluationDetails} | null = null;
  if (!opts.skipEval) {
    const bar = new ProgressBar(progress, 'MC predictive', 2 * opts.samples + 2);
    evaluated = await evaluateModel(model, split.heldOut, {samples: opts.samples, batchSize: 1000,
      onProgress: (d) => bar.update(d)});
  }
  const evaluation = evaluated?.evaluation ?? null;
  const baseline = baselineRun ? await finishBaseline(opts, log, baselineRun, baselineDir) : undefined;
  if (evaluated && baseline) {
    const det = await loadModel('train', '--baseline', baselineDir);
    await addDeterministic(evaluated.evaluation, evaluated.details, det, split.heldOut, 1000, baselineDir);
    det.dispose();
  }
  await saveModel(model, opts.out);
  const {out: _out, ...rest} = opts;
  const history: History = {
    model: opts.model,
    options: {...rest, klWeight},
    data: {source: split.source, train: n, heldOut: split.heldOut.n},
    steps, epochs, trainSeconds, evaluation, ...(baseline ? {baseline} : {}),
  };
  await writeFileAtomic(path.join(opts.out, 'history.json'), JSON.stringify(history, null, 1));
  log.write(`\nSummary: trained ${opts.epochs} epochs in ${formatDuration(trainSeconds)} ` +
      `(${(trainSeconds / Math.max(1, step)).toFixed(2)} s/step) on ${opts.backend}.\n`);
  if (evaluation) log.write(`${formatEvaluation(evaluation)}\n`);
  log.write(`Saved ${path.join(opts.out, 'model.json')}, its weights and history.json` +
      `${baseline ? `; the baseline in ${baselineDir}` : ''}.\n`);
  if (evaluated) {
    // The report from the evaluation just done (the `report` command would repeat it).
    const outDir = ensureWritableDir('train', '--out (its report/ subdirectory)', path.join(opts.out, 'report'));
    log.write(`${await writeReport({model, outDir, title: opts.model, history, evaluation: evaluated.evaluation,
      details: evaluated.details, images: split.heldOut.images})}\n`);
  }
  return history;
}

/** Waits for the baseline child; its summary, or undefined (with a warning) when it failed. */
async function finishBaseline(opts: TrainOptions, log: TextSink, run: BaselineRun,
    dir: string): Promise<History['baseline']> {
  const code = await run.done;
  if (code !== 0) {
    log.write(`warning: the baseline ${opts.baseline} failed (exit code ${code}); see ${run.log}. ` +
        'Continuing without it.\n');
    return undefined;
  }
  let trainSeconds: number | null = null;
  try {
    const h = JSON.parse(fs.readFileSync(path.join(dir, 'history.json'), 'utf8')) as {trainSeconds?: unknown};
    if (typeof h.trainSeconds === 'number') trainSeconds = h.trainSeconds;
  } catch {
    // the model files are what matters; the time is informational
  }
  return {model: opts.baseline!, dir, trainSeconds};
}
