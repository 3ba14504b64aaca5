// Timing and profiling for the benchmark: warm-up, interleaved repetitions, medians, kernel counts.
import * as tf from '@tensorflow/tfjs';
import {loadavg} from 'node:os';

/** What one benchmark cell runs: one call = one training step or one forward pass (or MC loop). */
export interface Cell {
  workload: string;
  variant: string;
  batch: number;
  /** Examples processed per call (batch for a step; images·samples for an MC loop). */
  examplesPerCall: number;
  /** Steps (forward passes) per call, for msPerStep. */
  stepsPerCall: number;
  /** One call; resolves once its result has been read back. */
  run: () => Promise<void>;
  /** Frees the cell's model and data. */
  dispose: () => void;
}

/** One JSON line of output. */
export interface CellResult {
  workload: string;
  variant: string;
  backend: string;
  batch: number;
  examplesPerSec: number;
  msPerStep: number;
  /** Process CPU time per step (all threads): less sensitive than msPerStep to other load. */
  cpuMsPerStep: number;
  peakBytes: number;
  kernels: number;
  kernelTypes: number;
  reps: number;
  callsPerRep: number;
  tensorLeakPerCall: number;
  /** 1-minute load average of the machine when the cell finished (2 cores here). */
  load1: number;
  profile?: {kernel: string; ms: number; calls: number; pct: number}[];
  error?: string;
}

/** Timing settings. */
export interface TimingOptions {
  reps: number;
  warmups: number;
  /** Calls per repetition are chosen so that one lasts about this long (at least one call). */
  targetSeconds: number;
  profile: boolean;
}

const now = (): number => performance.now();

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function profileCall(cell: Cell, wantTop: boolean):
    Promise<Pick<CellResult, 'kernels' | 'kernelTypes' | 'peakBytes' | 'profile'>> {
  const info = await tf.profile(() => cell.run());
  // Entries named 'xxx__op' are op wrappers whose kernels are also listed.
  const kernels = info.kernels.filter((k) => !k.name.endsWith('__op'));
  const result: Pick<CellResult, 'kernels' | 'kernelTypes' | 'peakBytes' | 'profile'> = {
    kernels: Math.round(kernels.length / cell.stepsPerCall),
    kernelTypes: new Set(kernels.map((k) => k.name)).size,
    peakBytes: info.peakBytes,
  };
  if (wantTop) {
    const by = new Map<string, {ms: number; calls: number}>();
    for (const k of kernels) {
      const e = by.get(k.name) ?? {ms: 0, calls: 0};
      e.ms += Number(await k.kernelTimeMs) || 0;
      e.calls += 1;
      by.set(k.name, e);
    }
    const total = [...by.values()].reduce((s, e) => s + e.ms, 0) || 1;
    result.profile = [...by.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12).map(([kernel, e]) => (
      {kernel, ms: +e.ms.toFixed(2), calls: e.calls, pct: +(100 * e.ms / total).toFixed(1)}));
  }
  return result;
}

/**
 * Times the cells of one workload in the same process, interleaved: warm-up of each, then for every
 * repetition one timed block of each cell in turn. Returns one result per cell.
 */
export async function timeInterleaved(cells: Cell[], backend: string, opt: TimingOptions): Promise<CellResult[]> {
  const calls: number[] = [];
  for (const cell of cells) {
    let last = 0;
    for (let w = 0; w < opt.warmups; w++) {
      const t0 = now();
      await cell.run();
      last = now() - t0;
    }
    calls.push(Math.max(1, Math.round(1000 * opt.targetSeconds / Math.max(last, 1e-3))));
  }
  const times: number[][] = cells.map(() => []);
  const cpu: number[][] = cells.map(() => []);
  const leaks: number[] = cells.map(() => 0);
  for (let r = 0; r < opt.reps; r++) {
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i]!;
      const before = tf.memory().numTensors;
      const c0 = process.cpuUsage();
      const t0 = now();
      for (let c = 0; c < calls[i]!; c++) await cell.run();
      times[i]!.push((now() - t0) / calls[i]!);
      const dc = process.cpuUsage(c0);
      cpu[i]!.push((dc.user + dc.system) / 1000 / calls[i]!);
      leaks[i] = leaks[i]! + (tf.memory().numTensors - before) / calls[i]!;
    }
  }
  const results: CellResult[] = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    const msPerCall = median(times[i]!);
    const prof = await profileCall(cell, opt.profile);
    results.push({
      workload: cell.workload,
      variant: cell.variant,
      backend,
      batch: cell.batch,
      examplesPerSec: +(1000 * cell.examplesPerCall / msPerCall).toFixed(1),
      msPerStep: +(msPerCall / cell.stepsPerCall).toFixed(2),
      cpuMsPerStep: +(median(cpu[i]!) / cell.stepsPerCall).toFixed(2),
      ...prof,
      reps: opt.reps,
      callsPerRep: calls[i]!,
      tensorLeakPerCall: +(leaks[i]! / opt.reps).toFixed(2),
      load1: +(loadavg()[0] ?? 0).toFixed(2),
    });
  }
  return results;
}

/** The printed table: one row per cell, with Bayesian ÷ plain throughput per workload. */
export function formatTable(results: CellResult[]): string {
  const plain = new Map(results.filter((r) => r.variant === 'plain').map((r) => [r.workload, r.examplesPerSec]));
  const head = ['workload', 'variant', 'backend', 'batch', 'ex/s', 'ms/step', 'cpu ms/step', 'kernels/step', 'peak MiB',
    '÷ plain'];
  const rows = results.map((r) => {
    const p = plain.get(r.workload);
    return [r.workload, r.variant, r.backend, String(r.batch),
      r.error !== undefined ? 'error' : r.examplesPerSec.toFixed(1), r.msPerStep.toFixed(1), r.cpuMsPerStep.toFixed(1),
      String(r.kernels),
      (r.peakBytes / 2 ** 20).toFixed(1),
      r.variant === 'plain' || p === undefined || r.error !== undefined ? '' : (r.examplesPerSec / p).toFixed(3)];
  });
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((row) => row[j]!.length)));
  const line = (cols: string[]): string => `| ${cols.map((c, j) => c.padEnd(widths[j]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
