// The tfjs-probability command line: `train`, `evaluate`, `predict` and `report` for Bayesian digit classifiers.
// Node only; src/index.ts never imports this file. `main(argv)` returns the exit code; src/cli/bin.ts
// (the package's bin, compiled to dist/cli.js) runs it.
import * as fs from 'node:fs';
import {availableParallelism} from 'node:os';
import * as path from 'node:path';
import {fileURLToPath} from 'node:url';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {describeOptions, getFlag, getNumber, getString, parseArgs, suggest} from './args.js';
import type {OptionSpec, ParsedArgs} from './args.js';
import {BACKENDS, selectBackend} from './backend.js';
import type {BackendName} from './backend.js';
import {runEvaluate} from './evaluate.js';
import {DEFAULT_MODEL_DIR, ensureWritableDir, removeCreatedEmptyDirs} from './fsutil.js';
import {DEFAULT_POSTERIOR_SCALE, MODELS, baselineFor, checkModelName} from './models.js';
import {runPredict} from './predict.js';
import type {TextSink} from './progress.js';
import {runReport} from './report.js';
import {train} from './train.js';
import {runUci, UCI_SPEC} from './uci.js';
import {COMPARE_SPEC, runCompare} from './compare.js';

/** Where a command writes: results to `out`, logs and progress to `err`. */
export interface Io {
  out: TextSink;
  err: TextSink;
}

const COMMON: Record<string, OptionSpec> = {
  'backend': {kind: 'string', choices: BACKENDS, help: 'tfjs backend (default: fastest that trains here: wasm, else cpu)'},
  'fake-data': {kind: 'flag', help: 'tiny random data instead of the digits (tests)'},
  'help': {kind: 'flag', help: 'show this help'},
};

const SPECS: Record<string, Record<string, OptionSpec>> = {
  train: {
    'model': {kind: 'string', help: `one of ${MODELS.join(', ')}, deterministic (default lenet5-flipout)`},
    'epochs': {kind: 'positiveInt', help: 'passes over the training digits (default 10; 1 with --fake-data)'},
    'batch-size': {kind: 'positiveInt', help: 'examples per step (default 128)'},
    'lr': {kind: 'positiveNumber', help: 'Adam learning rate (default 0.001)'},
    'kl-weight': {kind: 'positiveNumber', help: 'weight of Σ KL in the loss (default 1/N, N = training digits)'},
    'kl-anneal-epochs': {kind: 'nonNegativeInt', help: 'raise the KL weight linearly from 0 over this many epochs (default 0)'},
    'posterior-scale': {kind: 'positiveNumber', help: `initial posterior stddev of every kernel weight (default ${DEFAULT_POSTERIOR_SCALE}; TFP's layers start at softplus(-3) ≈ 0.0486, see docs/CLI.md)`},
    'samples': {kind: 'positiveInt', help: 'Monte Carlo draws for the final evaluation (default 50)'},
    'seed': {kind: 'nonNegativeInt', help: 'seed of weights, noise and shuffling (default 1)'},
    'out': {kind: 'string', help: 'output directory for model.json, its weights file, history.json (default ./runs/bnn-mnist)'},
    'skip-eval': {kind: 'flag', help: 'skip the Monte Carlo evaluation after training'},
    'baseline': {kind: 'string', help: 'deterministic model trained alongside in a child process (other core) for the comparison, ' +
      'saved to <out>/baseline: a model name or "none" (default: the deterministic twin of a Bayesian --model; none with --fake-data)'},
    'threads': {kind: 'positiveInt', help: 'wasm XNNPACK threads (default: one per core)'},
    ...COMMON,
  },
  evaluate: {
    'model-dir': {kind: 'string', help: 'directory written by train (default ./runs/bnn-mnist)'},
    'samples': {kind: 'positiveInt', help: 'Monte Carlo draws (default 50)'},
    'batch-size': {kind: 'positiveInt', help: 'examples per forward pass (default 1000; each pass draws new weights once per batch)'},
    'json': {kind: 'string', help: 'also write the metrics to this JSON file (default <model-dir>/evaluation.json)'},
    'baseline-dir': {kind: 'string', help: 'a separately trained model (e.g. lenet5-deterministic) to compare with (default: <model-dir>/baseline when train left one)'},
    ...COMMON,
  },
  predict: {
    'model-dir': {kind: 'string', help: 'directory written by train (default ./runs/bnn-mnist)'},
    'samples': {kind: 'positiveInt', help: 'Monte Carlo draws (default 50)'},
    'invert': {kind: 'flag', help: 'images are dark digits on a light background'},
    'mi-threshold': {kind: 'positiveNumber', help: 'mutual information (nats) above which the verdict is "unsure" (default: the 95th percentile on held-out digits from history.json, else 0.25)'},
    'json': {kind: 'flag', help: 'print JSON instead of text'},
    ...COMMON,
  },
  report: {
    'model-dir': {kind: 'string', help: 'directory written by train (default ./runs/bnn-mnist)'},
    'samples': {kind: 'positiveInt', help: 'Monte Carlo draws (default 50)'},
    'out': {kind: 'string', help: 'output directory for report.html and figures (default <model-dir>/report)'},
    'baseline-dir': {kind: 'string', help: 'a separately trained model (e.g. lenet5-deterministic) to compare with (default: <model-dir>/baseline when train left one)'},
    ...COMMON,
  },
  uci: UCI_SPEC,
  compare: COMPARE_SPEC,
};

const USAGE = `Usage: tfjs-probability <command> [options]

Commands:
  train      train a Bayesian (or deterministic) digit classifier; saves model.json, its weights, history.json, a report
  evaluate   Monte Carlo metrics of a saved model on the held-out digits (table + JSON)
  predict    class probabilities with uncertainty for PNG/JPEG files (28×28) or a JSON file of images
  report     a self-contained HTML report with SVG/PNG figures
  uci        the UCI regression benchmark on the embedded Boston housing data (RMSE, log-likelihood, coverage)
  compare    uncertainty for the deterministic twin: MC dropout, last-layer Laplace, MOPED, ensemble vs the Bayesian net, under shift

Run \`tfjs-probability <command> --help\` for the options of a command;
\`tfjs-probability --version\` prints the version.
`;

/** The version in the package's package.json (found above this file: src/cli or dist). */
function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as {name?: string; version?: string};
      if (pkg.name === 'tfjs-probability' && typeof pkg.version === 'string') return pkg.version;
    }
    const up = path.dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

async function backendFor(owner: string, p: ParsedArgs): Promise<string> {
  return selectBackend(owner, getString(p, 'backend') as BackendName | undefined);
}

async function runTrain(p: ParsedArgs, io: Io): Promise<void> {
  if (p.positional.length > 0) {
    throw new ValueError(`train: arguments must be options only; got ${fmt(p.positional)}.`);
  }
  const fakeData = getFlag(p, 'fake-data');
  const model = checkModelName('train', getString(p, 'model', 'lenet5-flipout'));
  const out = ensureWritableDir('train', '--out', getString(p, 'out', DEFAULT_MODEL_DIR));
  const baseline = baselineFor(model, getString(p, 'baseline'), fakeData);
  if (baseline) ensureWritableDir('train', '--out (its baseline/ subdirectory)', path.join(out, 'baseline'));
  // One XNNPACK thread per core even while the baseline child (1 thread) runs: measured on 2 cores,
  // 2 threads trained the Bayesian LeNet-5 in 190 s and evaluated it in 79 s, 1 thread in 220 s
  // and 133 s (the child finishes after ~110 s and leaves its core to the pool).
  const threads = getNumber(p, 'threads', availableParallelism());
  const backend = await selectBackend('train', getString(p, 'backend') as BackendName | undefined, threads);
  await train({
    model,
    epochs: getNumber(p, 'epochs', fakeData ? 1 : 10),
    batchSize: getNumber(p, 'batch-size', fakeData ? 32 : 128),
    lr: getNumber(p, 'lr', 1e-3),
    klWeight: getNumber(p, 'kl-weight'),
    klAnnealEpochs: getNumber(p, 'kl-anneal-epochs', 0),
    posteriorScale: getNumber(p, 'posterior-scale', DEFAULT_POSTERIOR_SCALE),
    samples: getNumber(p, 'samples', fakeData ? 4 : 50),
    seed: getNumber(p, 'seed', 1),
    out,
    fakeData,
    skipEval: getFlag(p, 'skip-eval'),
    backend,
    baseline,
  }, io.out, io.err);
}

/**
 * Runs the CLI on `argv` (without `node` and the script) and returns the exit code: 0 on success,
 * 2 for a usage mistake (message on stderr), 1 for any other failure.
 */
export async function main(argv: readonly string[], io: Io = {out: process.stdout, err: process.stderr}): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.out.write(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command === '--version' || command === '-v' || command === 'version') {
      io.out.write(`${packageVersion()}\n`);
      return 0;
    }
    const specs = Object.hasOwn(SPECS, command) ? SPECS[command] : undefined;
    if (specs === undefined) {
      const near = suggest(command.replace(/^-+/, ''), Object.keys(SPECS));
      throw new ValueError(`tfjs-probability: command must be one of "train", "evaluate", "predict", "report", "uci", "compare"; ` +
          `got ${fmt(command)}${near ? ` (did you mean "${near}"?)` : ''}.`);
    }
    const p = parseArgs(command, rest, specs);
    if (getFlag(p, 'help')) {
      io.out.write(`Usage: tfjs-probability ${command} [options]${command === 'predict' ? ' <image.png|image.jpg|images.json>...' : ''}\n\n` +
          `${describeOptions(specs)}\n`);
      return 0;
    }
    switch (command) {
      case 'train':
        await runTrain(p, io);
        break;
      case 'evaluate':
        await runEvaluate(p, io, (o) => backendFor(o, p));
        break;
      case 'predict':
        await runPredict(p, io, (o) => backendFor(o, p));
        break;
      case 'report':
        await runReport(p, io, (o) => backendFor(o, p));
        break;
      case 'uci':
        await runUci(p, io, (o) => backendFor(o, p));
        break;
      case 'compare':
        await runCompare(p, io, (o) => backendFor(o, p));
        break;
    }
    return 0;
  } catch (e) {
    removeCreatedEmptyDirs();
    if (e instanceof ValueError) {
      io.err.write(`error: ${e.message}\n`);
      return 2;
    }
    io.err.write(`error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    return 1;
  }
}
