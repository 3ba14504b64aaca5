// The PyTorch + bayesian-torch peer (issue 18) in the same command as ours, and the arithmetic
// roofline: `npm run bench -- --peer` times each workload's cells here, then the twin cases of
// shared/bench/peers/bench_torch_cpu.py in a child process, alternating for `--peer-rounds` rounds,
// and prints ours, the peer's and the ratio side by side, with the sustained matmul GFLOP/s of the
// active backend and each workload's achieved GFLOP/s.
//
// The peer is not vendored: its harness lives in shared/bench/peers (beside the repository in CI
// and in the team's checkouts) and needs Debian's python3-torch (shared/bench/peers/setup_peer.sh
// installs it, links OpenBLAS and prints the environment). Overrides: PEER_PYTHON, PEER_SCRIPT,
// BT_PATH (bayesian-torch), and the BLAS / thread variables setup_peer.sh prints.
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as tf from '@tensorflow/tfjs';

import type {CellResult} from './harness.js';
import {buildNet} from './models.js';
import type {Variant, Workload} from './models.js';

/** The peer case of each of our cells (bench_torch_cpu.py's CASE names). W6 has no peer twin. */
export const PEER_CASES: Readonly<Partial<Record<Workload, Partial<Record<Variant, string>>>>> = {
  W1: {plain: 'w1_train_det', flipout: 'w1_train_flipout', reparameterization: 'w1_train_reparam'},
  W2: {plain: 'w2_train_det', flipout: 'w2_train_flipout', reparameterization: 'w2_train_reparam'},
  // The peer's det loop is 50 passes; its examples/s is per image·sample, as ours.
  W3: {plain: 'w3_loop_det', flipout: 'w3_loop_flipout'},
  W4: {plain: 'w4_train_det', flipout: 'w4_train_flipout'},
  W5: {plain: 'w5_train_det', reparameterization: 'w5_train_reparam'},
};

/** One peer measurement. */
export interface PeerResult {
  case: string;
  examplesPerSec: number;
  blas?: string;
  torchVersion?: string;
  threads?: number;
  error?: string;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Where the peer's harness and Python are: env overrides, else shared/ beside the repository. */
export function peerPaths(): {python: string; script: string; btPath: string} {
  const shared = resolve(here, '..', '..', 'shared', 'bench', 'peers');
  return {
    // Debian's interpreter (where python3-torch installs), not a pyenv or venv shim earlier on PATH.
    python: process.env['PEER_PYTHON'] ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'),
    script: process.env['PEER_SCRIPT'] ?? join(shared, 'bench_torch_cpu.py'),
    btPath: process.env['BT_PATH'] ?? join(shared, 'bayesian-torch'),
  };
}

/** Why the peer cannot run here, or null when it can (python3 imports torch; the harness exists). */
export function peerUnavailable(): string | null {
  const p = peerPaths();
  if (!existsSync(p.script)) return `the peer harness ${p.script} is missing (set PEER_SCRIPT)`;
  if (!existsSync(p.btPath)) return `bayesian-torch is missing at ${p.btPath} (set BT_PATH)`;
  const probe = spawnSync(p.python, ['-c', 'import torch'], {encoding: 'utf8'});
  if (probe.error !== undefined) return `${p.python} cannot be run (${probe.error.message})`;
  if (probe.status !== 0) {
    return `${p.python} cannot import torch (install Debian's python3-torch: ` +
        `eval "$(bash ../shared/bench/peers/setup_peer.sh)")`;
  }
  return null;
}

/** Runs one peer case in its own process (as the harness wants) and parses its JSON line. */
export function runPeerCase(name: string, threads: number, reps: number): PeerResult {
  const p = peerPaths();
  const env = {...process.env, BT_PATH: p.btPath, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads)};
  const r = spawnSync(p.python, [p.script, name, '--threads', String(threads), '--reps', String(reps)],
      {encoding: 'utf8', env, maxBuffer: 16 * 2 ** 20});
  const line = (r.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status !== 0 || line === undefined) {
    const why = (r.stderr ?? '').trim().split('\n').pop() ?? `exit ${String(r.status)}`;
    return {case: name, examplesPerSec: 0, error: why};
  }
  const j = JSON.parse(line) as {examples_per_s: number; blas?: string; torch_version?: string; threads?: number};
  return {case: name, examplesPerSec: j.examples_per_s, blas: j.blas, torchVersion: j.torch_version, threads: j.threads};
}

/**
 * Multiply–accumulates per example of one forward pass of `workload`'s net (convolutions with SAME
 * padding and dense layers; pooling, activations and biases not counted), from the built plain net:
 * output positions × kernel size for each layer with a kernel.
 */
export function forwardMacs(workload: Workload): number {
  const model = buildNet(workload, 'plain');
  let macs = 0;
  for (const layer of model.layers) {
    const kernel = layer.getWeights().find((w) => w.rank >= 2);
    if (kernel === undefined) continue;
    const out = layer.outputShape as number[];
    const positions = out.slice(1, -1).reduce((a, b) => a * b, 1);
    macs += positions * kernel.size;
  }
  model.dispose();
  return macs;
}

/**
 * Model FLOPs per example of one cell: 2·MACs forward; a training step is forward plus the two
 * gradients (3×); Flipout does every matmul / convolution twice (mean and perturbation paths).
 * Elementwise work (σ, the KL, Adam) is not counted: this is the arithmetic the roofline bounds.
 */
export function flopsPerExample(workload: Workload, variant: Variant): number {
  const training = workload !== 'W3';
  const paths = variant === 'flipout' && training ? 2 : 1;   // W3 draws one kernel per sample (one path)
  return 2 * forwardMacs(workload) * (training ? 3 : 1) * paths;
}

/** Sustained GFLOP/s of an n×n×n float32 matmul on the active backend (median of `reps`, after a warm-up). */
export async function matmulGflops(n = 1024, reps = 3): Promise<number> {
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
    return performance.now() - t0;
  };
  await once();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) times.push(await once());
  tf.dispose([a, b]);
  times.sort((x, y) => x - y);
  return 2 * n ** 3 / (times[times.length >> 1]! / 1000) / 1e9;
}

/** Median of a list. */
function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** One row of the side-by-side table, from every round's ours and peer measurements. */
export interface PeerRow {
  workload: Workload;
  variant: Variant;
  ours: number[];
  peer: number[];
  gflopsPerExample: number;
}

/** The side-by-side table: medians over the rounds, ratio ours ÷ peer, Bayesian ÷ plain on both sides, achieved GFLOP/s. */
export function formatPeerTable(rows: PeerRow[], rooflineGflops: number | null): string {
  const med = (xs: number[]): number => (xs.length === 0 ? 0 : median(xs));
  const plain = new Map(rows.filter((r) => r.variant === 'plain').map((r) => [r.workload, r]));
  const head = ['workload', 'variant', 'ours ex/s', 'peer ex/s', 'ours ÷ peer', 'ours ÷ plain', 'peer ÷ plain',
    'ours GFLOP/s', rooflineGflops === null ? '' : '% of roofline'].filter((h) => h !== '');
  const body = rows.map((r) => {
    const o = med(r.ours);
    const p = med(r.peer);
    const pl = plain.get(r.workload);
    const achieved = o * r.gflopsPerExample / 1e9;
    const cols = [r.workload, r.variant, o.toFixed(0), p > 0 ? p.toFixed(0) : 'n/a', p > 0 ? (o / p).toFixed(2) : '',
      r.variant === 'plain' || pl === undefined ? '' : (o / med(pl.ours)).toFixed(2),
      r.variant === 'plain' || pl === undefined || med(pl.peer) === 0 ? '' : (p / med(pl.peer)).toFixed(2),
      achieved.toFixed(2)];
    if (rooflineGflops !== null) cols.push((100 * achieved / rooflineGflops).toFixed(0));
    return cols;
  });
  const widths = head.map((h, j) => Math.max(h.length, ...body.map((row) => row[j]!.length)));
  const line = (cols: string[]): string => `| ${cols.map((c, j) => c.padEnd(widths[j]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

/** Adds this round's results to the rows (created on first sight). */
export function collect(rows: PeerRow[], ours: CellResult[], peer: Map<string, PeerResult>): void {
  for (const r of ours) {
    const workload = r.workload as Workload;
    const variant = r.variant as Variant;
    let row = rows.find((x) => x.workload === workload && x.variant === variant);
    if (row === undefined) {
      row = {workload, variant, ours: [], peer: [], gflopsPerExample: flopsPerExample(workload, variant)};
      rows.push(row);
    }
    if (r.error === undefined) row.ours.push(r.examplesPerSec);
    const name = PEER_CASES[workload]?.[variant];
    const p = name === undefined ? undefined : peer.get(name);
    if (p !== undefined && p.error === undefined) row.peer.push(p.examplesPerSec);
  }
}
