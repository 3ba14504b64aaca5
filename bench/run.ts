// `npm run bench`: the speed workloads W1–W5 of issue 6, Bayesian variants against plain twins.
//
//   npm run bench -- [--backend cpu|wasm|webgpu|tensorflow] [--workload W1,W2] [--quick]
//                    [--threads N] [--reps N] [--warmups N] [--target-s S] [--profile] [--stock]
//
// --threads N (wasm): XNNPACK threads; N > 1 runs the threaded SIMD build on worker_threads.
// --stock (wasm): tfjs-backend-wasm's kernels as shipped (conv training fails there): the "before".
// --profile: adds the top kernels by time of one profiled call to each JSON line.
//
// Prints one JSON line per cell {workload, variant, backend, batch, examplesPerSec, msPerStep,
// peakBytes, kernels, ...} and then a table with Bayesian ÷ plain ratios. Random MNIST-shaped
// inputs with fixed seeds; the variants of one workload are timed interleaved in this process;
// each figure is the median of the timed repetitions that follow the warm-up.
import * as tf from '@tensorflow/tfjs';

import * as tfp from '../src/index.js';
import {BackendUnavailableError} from '../src/util/errors.js';

import {formatTable, timeInterleaved} from './harness.js';
import type {Cell, CellResult, TimingOptions} from './harness.js';
import {buildNet, INPUT_SHAPE, layerLosses} from './models.js';
import {collect, formatPeerTable, matmulGflops, PEER_CASES, peerUnavailable, runPeerCase} from './peer.js';
import type {PeerResult, PeerRow} from './peer.js';
import type {Variant, Workload} from './models.js';

const SEED = 1234;
const ALL: Workload[] = ['W1', 'W2', 'W3', 'W4', 'W5', 'W6'];
const VARIANTS: Readonly<Record<Workload, Variant[]>> = {
  W1: ['plain', 'flipout', 'reparameterization'],
  W2: ['plain', 'flipout', 'reparameterization'],
  W3: ['plain', 'flipout'],
  W4: ['plain', 'flipout'],
  W5: ['plain', 'reparameterization'],
  W6: ['plain', 'flipout', 'reparameterization'],
};

interface Args {
  backend: string;
  workloads: Workload[];
  quick: boolean;
  threads: number;
  reps: number | null;
  warmups: number | null;
  targetSeconds: number | null;
  profile: boolean;
  /** wasm only: tfjs's own kernels, without registerWasmTrainingKernels (the "before"). */
  stock: boolean;
  /** Run the PyTorch + bayesian-torch twins too, alternating with ours (bench/peer.ts). */
  peer: boolean;
  /** Rounds of (ours, peer) per workload with --peer. */
  peerRounds: number;
  /** Print the matmul roofline and each cell's achieved GFLOP/s (implied by --peer). */
  roofline: boolean;
}

function usage(message: string): never {
  process.stderr.write(`bench: ${message}\nusage: npm run bench -- [--backend cpu|wasm|webgpu|tensorflow] ` +
      `[--workload W1,W2] [--quick] [--threads N] [--reps N] [--warmups N] [--target-s S] [--profile] [--stock] ` +
      `[--peer] [--peer-rounds N] [--roofline]\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const a: Args = {backend: 'cpu', workloads: ALL, quick: false, threads: 1, reps: null, warmups: null, targetSeconds: null,
    profile: false, stock: false, peer: false, peerRounds: 2, roofline: false};
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const value = (): string => argv[++i] ?? usage(`${k} needs a value`);
    if (k === '--backend') a.backend = value();
    else if (k === '--workload' || k === '--workloads') {
      const ws = value().toUpperCase().split(',').filter((w) => w !== '');
      for (const w of ws) if (!ALL.includes(w as Workload)) usage(`unknown workload ${w}; valid: ${ALL.join(',')}`);
      a.workloads = ws as Workload[];
    } else if (k === '--quick') a.quick = true;
    else if (k === '--threads') a.threads = Number(value());
    else if (k === '--reps') a.reps = Number(value());
    else if (k === '--warmups') a.warmups = Number(value());
    else if (k === '--target-s') a.targetSeconds = Number(value());
    else if (k === '--profile') a.profile = true;
    else if (k === '--stock') a.stock = true;
    else if (k === '--peer') a.peer = true;
    else if (k === '--peer-rounds') a.peerRounds = Number(value());
    else if (k === '--roofline') a.roofline = true;
    else usage(`unknown argument ${k}`);
  }
  if (!['cpu', 'wasm', 'webgpu', 'tensorflow'].includes(a.backend)) usage(`unknown backend ${a.backend}`);
  if (!(Number.isInteger(a.threads) && a.threads >= 1)) usage(`--threads must be a positive integer`);
  if (!(Number.isInteger(a.peerRounds) && a.peerRounds >= 1)) usage(`--peer-rounds must be a positive integer`);
  if (a.peer && a.quick) usage('--peer compares full sizes; drop --quick');
  return a;
}

/** Activates the backend, or exits with a one-line reason. Returns extra facts for the header. */
async function activate(args: Args): Promise<Record<string, unknown>> {
  try {
    if (args.backend === 'cpu') {
      await tf.setBackend('cpu');
      return {};
    }
    if (args.backend === 'wasm') {
      const info = await tfp.backends.setWasmBackend({threads: args.threads, trainingKernels: !args.stock});
      return {threads: info.threads, simd: info.simd, multithreaded: info.multithreaded,
        kernels: args.stock ? 'tfjs-backend-wasm 4.22 as shipped' : 'registerWasmTrainingKernels'};
    }
    if (args.backend === 'webgpu') {
      const setWebGPU = (tfp.backends as Record<string, unknown>)['setWebGPUBackend'];
      if (typeof setWebGPU !== 'function') throw new BackendUnavailableError('src/backends/webgpu.ts provides no setWebGPUBackend');
      const info = await (setWebGPU as () => Promise<Record<string, unknown>>)();
      return {adapter: `${String(info['vendor'])} ${String(info['architecture'])}`.trim()};
    }
    // 'tensorflow': the native binding, only if the user installed it.
    const specifier = '@tensorflow/tfjs-node';
    try {
      await import(specifier);
    } catch {
      throw new BackendUnavailableError(`${specifier} is not installed (npm install ${specifier})`);
    }
    if (!(await tf.setBackend('tensorflow'))) throw new BackendUnavailableError(`tfjs could not start the 'tensorflow' backend`);
    return {};
  } catch (e) {
    process.stdout.write(`bench: backend ${args.backend} not available: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  }
}

interface Sizes {
  batch: Record<'W1' | 'W2' | 'W4' | 'W5' | 'W6', number>;
  images: number;
  samples: number;
}

function sizes(quick: boolean): Sizes {
  return quick ?
      {batch: {W1: 2, W2: 16, W4: 2, W5: 8, W6: 4}, images: 20, samples: 3} :
      {batch: {W1: 128, W2: 128, W4: 16, W5: 128, W6: 128}, images: 1000, samples: 50};
}

function randomBatch(workload: Workload, batch: number, seed: number): [tf.Tensor, tf.Tensor] {
  const x = tf.randomNormal([batch, ...INPUT_SHAPE[workload]], 0, 1, 'float32', seed);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', seed + 100), 10).toFloat());
  return [x, y];
}

/** One training step: forward, softmax CE + the layers' KL/60000 losses, backward, Adam 1e-3. */
function trainCell(workload: Workload, variant: Variant, batch: number): Cell {
  const model = buildNet(workload, variant, SEED);
  const optimizer = tf.train.adam(1e-3);
  const pool = [0, 1, 2, 3].map((i) => randomBatch(workload, batch, SEED + 1 + i));
  let it = 0;
  return {
    workload, variant, batch, examplesPerCall: batch, stepsPerCall: 1,
    run: async () => {
      const [x, y] = pool[it++ % pool.length]!;
      const cost = optimizer.minimize(() => {
        const logits = model.apply(x, {training: true}) as tf.Tensor;
        const ce = tf.losses.softmaxCrossEntropy(y, logits);
        const kl = layerLosses(model);
        return (kl === null ? ce : tf.add(ce, kl)) as tf.Scalar;
      }, true);
      if (cost === null) throw new Error('minimize returned no cost');
      await cost.data();
      cost.dispose();
    },
    dispose: () => {
      model.dispose();
      optimizer.dispose();
      tf.dispose(pool.flat());
    },
  };
}

/**
 * W3: the W1 Flipout net's Monte Carlo predictive, `samples` forward passes over `images` images
 * averaged (one call = the whole loop); its plain twin is one forward pass over the same images.
 * Each pass is one posterior draw of the weights shared by the batch (`withPosteriorSample`, what
 * `tfp.predictive.predictMC` does by default), so a Flipout pass is one convolution per layer.
 */
function predictCell(variant: Variant, images: number, samples: number): Cell {
  const model = buildNet('W3', variant, SEED);
  const x = tf.randomNormal([images, ...INPUT_SHAPE.W3], 0, 1, 'float32', SEED + 1);
  const passes = variant === 'plain' ? 1 : samples;
  return {
    workload: 'W3', variant, batch: images, examplesPerCall: images * passes, stepsPerCall: passes,
    run: async () => {
      let acc = tf.zeros([images, 10]);
      for (let s = 0; s < passes; s++) {
        const next = tfp.layers.withPosteriorSample(model, () =>
          tf.tidy(() => tf.add(acc, tf.softmax(model.apply(x) as tf.Tensor))));
        acc.dispose();
        acc = next;
      }
      const mean = tf.div(acc, passes);
      acc.dispose();
      await mean.data();
      mean.dispose();
    },
    dispose: () => {
      model.dispose();
      x.dispose();
    },
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const facts = await activate(args);
  const sz = sizes(args.quick);
  const timing: TimingOptions = {
    reps: args.reps ?? (args.quick ? 2 : 5),
    warmups: args.warmups ?? (args.quick ? 1 : 2),
    targetSeconds: args.targetSeconds ?? (args.quick ? 0 : 1),
    profile: args.profile,
  };
  process.stdout.write(`# tfjs-probability bench: backend ${tf.getBackend()} ${JSON.stringify(facts)}, tfjs ${
      tf.version.tfjs}, node ${process.version}, ${args.quick ? 'QUICK (smoke sizes, not comparable)' : 'full sizes'}, ` +
      `reps ${timing.reps}, warm-up ${timing.warmups}, target ${timing.targetSeconds} s per rep\n`);
  if (args.peer) {
    const why = peerUnavailable();
    if (why !== null) {
      process.stdout.write(`bench: --peer not available: ${why}\n`);
      process.exit(2);
    }
  }
  let roofline: number | null = null;
  if (args.peer || args.roofline) {
    roofline = await matmulGflops();
    process.stdout.write(`# roofline: 1024×1024×1024 float32 matmul on ${tf.getBackend()} ` +
        `(${String(facts['threads'] ?? 1)} thread(s)): ${roofline.toFixed(2)} GFLOP/s\n`);
  }
  const results: CellResult[] = [];
  const peerRows: PeerRow[] = [];
  for (const workload of args.workloads) {
    const cells = VARIANTS[workload].map((variant) => workload === 'W3' ?
        predictCell(variant, sz.images, sz.samples) :
        trainCell(workload, variant, sz.batch[workload]));
    const rounds = args.peer ? args.peerRounds : 1;
    for (let round = 0; round < rounds; round++) {
      let out: CellResult[];
      try {
        out = await timeInterleaved(cells, tf.getBackend(), timing);
      } catch (e) {
        const error = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
        out = cells.map((c) => ({workload, variant: c.variant, backend: tf.getBackend(), batch: c.batch,
          examplesPerSec: 0, msPerStep: 0, cpuMsPerStep: 0, load1: 0, peakBytes: 0, kernels: 0, kernelTypes: 0, reps: 0, callsPerRep: 0,
          tensorLeakPerCall: 0, error}));
      }
      for (const r of out) process.stdout.write(`${JSON.stringify(r)}\n`);
      if (round === 0) results.push(...out);
      const peer = new Map<string, PeerResult>();
      if (args.peer) {
        for (const c of cells) {
          const name = PEER_CASES[workload]?.[c.variant as Variant];
          if (name === undefined) continue;
          const r = runPeerCase(name, args.threads, workload === 'W3' ? 3 : 5);
          process.stdout.write(`${JSON.stringify({system: 'torch', round, ...r})}\n`);
          peer.set(name, r);
        }
      }
      if (args.peer || args.roofline) collect(peerRows, out, peer);
    }
    cells.forEach((c) => c.dispose());
  }
  process.stdout.write(`\n${formatTable(results)}\n`);
  if (args.peer || args.roofline) {
    process.stdout.write(`\n${args.peer ? `ours vs PyTorch + bayesian-torch (${args.threads} thread(s) each; medians of ` +
        `${args.peerRounds} alternating rounds); ` : ''}model FLOPs = 2·MACs × 3 for a training step (× 2 paths for ` +
        `Flipout), × 1 for W3's passes\n${formatPeerTable(peerRows, roofline)}\n`);
  }
  // The threaded wasm build keeps worker threads alive; end the process explicitly.
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
