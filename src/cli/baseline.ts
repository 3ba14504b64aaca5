// The deterministic twin of `train`: trained in a child process on another core while the Bayesian
// model trains, so `npm start` prints both calibration errors without doubling the wall time.
import {spawn} from 'node:child_process';
import type {ChildProcess} from 'node:child_process';
import * as fs from 'node:fs';
import {createRequire} from 'node:module';
import * as path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

/** What the child trains: the same split, epochs, batch, learning rate and seed as the parent. */
export interface BaselineArgs {
  model: string;
  out: string;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  backend: string;
  threads: number;
  fakeData: boolean;
}

/** A running baseline: `done` resolves with the exit code; `stop()` kills it. */
export interface BaselineRun {
  readonly log: string;
  readonly done: Promise<number>;
  stop(): void;
}

const HERE = fileURLToPath(import.meta.url);
/** Whether this runs from source (tsx) or from the build (dist/, next to cli.js). */
const FROM_SOURCE = HERE.endsWith('.ts');
const BIN = path.join(path.dirname(HERE), FROM_SOURCE ? 'bin.ts' : 'cli.js');

/** Argument vector of the child's `train` command. */
export function baselineArgv(a: BaselineArgs): string[] {
  return ['train', '--model', a.model, '--out', a.out, '--epochs', String(a.epochs),
    '--batch-size', String(a.batchSize), '--lr', String(a.lr), '--seed', String(a.seed),
    '--backend', a.backend, '--threads', String(a.threads), '--baseline', 'none', '--skip-eval',
    ...(a.fakeData ? ['--fake-data'] : [])];
}

/**
 * Starts `train` for the baseline in a child Node process (the built dist/cli.js, or `node --import
 * tsx` src/cli/bin.ts from source; no shell, no
 * intermediate process), writing its output to `<out>/train.log`. The child dies with the parent.
 */
export function startBaseline(a: BaselineArgs): BaselineRun {
  fs.mkdirSync(a.out, {recursive: true});
  const log = path.join(a.out, 'train.log');
  const fd = fs.openSync(log, 'w');
  const loader = FROM_SOURCE ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [];
  const child: ChildProcess = spawn(process.execPath, [...loader, BIN, ...baselineArgv(a)],
      {stdio: ['ignore', fd, fd]});
  fs.closeSync(fd);
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  const done = new Promise<number>((resolve) => {
    child.once('error', () => resolve(1));
    child.once('exit', (code) => {
      process.removeListener('exit', kill);
      resolve(code ?? 1);
    });
  });
  return {log, done, stop: kill};
}
