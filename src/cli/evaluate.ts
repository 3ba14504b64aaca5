// `evaluate`: Monte Carlo metrics of a saved model on the held-out digits, as a table on stdout and
// a JSON file, with the posterior-mean baseline's calibration and OOD AUROC beside them.
import * as fs from 'node:fs';
import * as path from 'node:path';

import type * as tf from '@tensorflow/tfjs';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {getNumber, getString} from './args.js';
import type {ParsedArgs} from './args.js';
import type {Digits} from './data.js';
import {addDeterministic, evaluateModel, formatEvaluation} from './evaluation.js';
import type {Evaluation, EvaluationDetails} from './evaluation.js';
import {DEFAULT_MODEL_DIR, ensureWritableDir, writeFileAtomic} from './fsutil.js';
import {loadModel} from './model_io.js';
import {ProgressBar} from './progress.js';
import type {TextSink} from './progress.js';
import {loadSplit} from './train.js';
import '../layers/index.js';  // registers the variational layer classes for deserialization

/** Output streams of a command. */
export interface CommandIo {
  out: TextSink;
  err: TextSink;
}

/** Loads `--model-dir` (default ./runs/bnn-mnist, or the `option` given) after activating the backend. */
export async function loadModelDir(owner: string, p: ParsedArgs,
    setBackend: (owner: string) => Promise<string>, option = 'model-dir', dirGiven?: string):
    Promise<{model: tf.LayersModel, dir: string, backend: string}> {
  const dir = path.resolve(dirGiven ?? getString(p, option, DEFAULT_MODEL_DIR));
  const backend = await setBackend(owner);
  const model = await loadModel(owner, `--${option}`, dir);
  const shape = model.inputs[0]?.shape;
  if (model.inputs.length !== 1 || JSON.stringify(shape) !== JSON.stringify([null, 28, 28, 1])) {
    throw new ValueError(`${owner}: --${option} must hold a digit classifier with input [null,28,28,1]; ` +
        `got input ${fmt(shape)}.`);
  }
  return {model, dir, backend};
}

/**
 * The deterministic model to compare with: `--baseline-dir` if given, else `<model-dir>/baseline`
 * when the model's history.json says `train` trained one there (a stale `baseline/` from an
 * earlier run with other settings is not picked up), else none.
 */
export function baselineDirFor(p: ParsedArgs): string | undefined {
  const given = getString(p, 'baseline-dir');
  if (given !== undefined) return given;
  const dir = path.resolve(getString(p, 'model-dir', DEFAULT_MODEL_DIR));
  const beside = path.join(dir, 'baseline');
  try {
    const h = JSON.parse(fs.readFileSync(path.join(dir, 'history.json'), 'utf8')) as {baseline?: {dir?: unknown}};
    return h.baseline !== undefined && fs.existsSync(path.join(beside, 'model.json')) ? beside : undefined;
  } catch {
    return undefined;   // no or unreadable history: compare only when asked (--baseline-dir)
  }
}

/** The held-out digits the model was (or would have been) evaluated on. */
export function heldOutFor(fakeData: boolean): Digits {
  return loadSplit(fakeData).heldOut;
}

/** Evaluates a loaded model with a progress bar, and the `--baseline-dir` model if given. */
export async function evaluateWithProgress(model: tf.LayersModel, data: Digits, samples: number,
    batchSize: number, err: TextSink, p: ParsedArgs, setBackend: (owner: string) => Promise<string>):
    Promise<{evaluation: Evaluation, details: EvaluationDetails}> {
  const baselineDir = baselineDirFor(p);
  const baseline = baselineDir === undefined ? null :
    await loadModelDir('evaluate', p, setBackend, 'baseline-dir', baselineDir);
  const bar = new ProgressBar(err, 'MC predictive', 2 * samples + 2);
  const result = await evaluateModel(model, data, {samples, batchSize, onProgress: (d, total) => {
    if (total !== 2 * samples + 2) return;  // deterministic models use one draw
    bar.update(d);
  }});
  if (baseline) {
    await addDeterministic(result.evaluation, result.details, baseline.model, data, batchSize, baseline.dir);
    baseline.model.dispose();
  }
  return result;
}

/** Runs `evaluate`. */
export async function runEvaluate(p: ParsedArgs, io: CommandIo,
    setBackend: (owner: string) => Promise<string>): Promise<void> {
  if (p.positional.length > 0) {
    throw new ValueError(`evaluate: arguments must be options only; got ${fmt(p.positional)}.`);
  }
  const samples = getNumber(p, 'samples', 50);
  const batchSize = getNumber(p, 'batch-size', 1000);
  const {model, dir, backend} = await loadModelDir('evaluate', p, setBackend);
  const jsonPath = path.resolve(getString(p, 'json', path.join(dir, 'evaluation.json')));
  ensureWritableDir('evaluate', '--json', path.dirname(jsonPath));
  const fakeData = p.options.get('fake-data') === true;
  const {evaluation} = await evaluateWithProgress(model, heldOutFor(fakeData), samples, batchSize, io.err,
    p, setBackend);
  io.out.write(`${formatEvaluation(evaluation)}\n`);
  await writeFileAtomic(jsonPath, JSON.stringify({modelDir: dir, backend, ...evaluation}, null, 1));
  io.out.write(`Wrote ${jsonPath}\n`);
  model.dispose();
}
