// Training ergonomics for model.fit: the ELBO's two parts in `history` (elboLogger) and KL
// annealing / warm-up schedules (klAnnealing, klAnnealingSchedule) that change the KL's factor β
// between steps without rebuilding a layer. The schedules are plain functions of the step, so
// custom loops (tfp.nn) use them directly: `loss = nll + schedule(step) · kl`.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {checkArgsObject, checkKeys} from '../util/keys.js';

import {bayesianLayers, setKLBeta} from './model_utils.js';

type Logs = Record<string, number | tf.Tensor>;

/** A tfjs callback (what `model.fit`'s `callbacks` takes). */
export type Callback = InstanceType<typeof tfl.Callback>;

/** The model a callback is attached to (tfjs sets it before training). */
function attachedModel(owner: string, cb: {model?: unknown}): tfl.LayersModel {
  const model = cb.model as tfl.LayersModel | undefined;
  if (model === undefined || model === null) {
    throw new ValueError(`${owner}: not attached to a model; pass it in model.fit's callbacks.`);
  }
  return model;
}

/**
 * A callback that puts the two parts of the loss into `model.fit`'s logs and `history`:
 * `kl` = Σ of the divergences the Bayesian layers added to the loss (with their `klWeight` and
 * annealing factor β, exactly as in the step's loss) and `nll` = `loss − kl` (the data term plus
 * any other regularizer). Per batch the two are in the batch logs (as scalars, for callbacks that
 * come after it, e.g. tfjs-vis's `fitCallbacks`); per epoch their batch-size-weighted means are in
 * the epoch logs and `history.history`, so `nll + kl == loss` per epoch. The KL is the one
 * evaluated inside each training step, before the optimizer moved the weights. It reads tensors
 * only at the end of each epoch (no extra sync per batch).
 *
 * @example
 * const history = await model.fit(x, y, {epochs: 20, callbacks: [tfp.layers.elboLogger()]});
 * console.log(history.history['nll'], history.history['kl']);
 */
export function elboLogger(): Callback {
  return new ElboLogger();
}

class ElboLogger extends tfl.Callback {
  private nllTotal: tf.Scalar | null = null;
  private klTotal: tf.Scalar | null = null;
  private seen = 0;

  override async onEpochBegin(): Promise<void> {
    this.reset();
  }

  override async onBatchEnd(_batch: number, logs?: Logs): Promise<void> {
    if (logs === undefined) return;
    const model = attachedModel('elboLogger', this);
    const size = typeof logs['size'] === 'number' ? logs['size'] : 1;
    const loss = logs['loss'];
    if (loss === undefined) return;
    const parts = tf.tidy(() => {
      const added = bayesianLayers(model).map((l) => l.addedDivergence()).filter((t): t is tf.Scalar => t !== null);
      const kl = added.length === 0 ? tf.scalar(0) : tf.addN(added);
      const nll = tf.sub(typeof loss === 'number' ? tf.scalar(loss) : loss, kl);
      return {kl, nll};
    });
    const add = (total: tf.Scalar | null, v: tf.Tensor): tf.Scalar => {
      const next = tf.tidy(() => tf.add(total ?? tf.scalar(0), tf.mul(v, size)) as tf.Scalar);
      total?.dispose();
      return next;
    };
    this.klTotal = add(this.klTotal, parts.kl);
    this.nllTotal = add(this.nllTotal, parts.nll);
    this.seen += size;
    // Tensors in the batch logs are disposed by tfjs after the batch (or resolved by a later callback).
    logs['kl'] = parts.kl;
    logs['nll'] = parts.nll;
  }

  override async onEpochEnd(_epoch: number, logs?: Logs): Promise<void> {
    if (logs !== undefined && this.seen > 0 && this.klTotal !== null && this.nllTotal !== null) {
      const [kl, nll] = await Promise.all([this.klTotal.data(), this.nllTotal.data()]);
      logs['kl'] = (kl[0] as number) / this.seen;
      logs['nll'] = (nll[0] as number) / this.seen;
    }
    this.reset();
  }

  override async onTrainEnd(): Promise<void> {
    this.reset();
  }

  private reset(): void {
    tf.dispose([this.nllTotal, this.klTotal].filter((t): t is tf.Scalar => t !== null));
    this.nllTotal = null;
    this.klTotal = null;
    this.seen = 0;
  }
}

/** A KL factor as a function of the training step (0, 1, 2, …): β(step). */
export type KLSchedule = (step: number) => number;

/** Options of {@link klAnnealingSchedule} and {@link klAnnealing}. */
export interface KLAnnealingArgs {
  /**
   * `'linear'` (default): β rises linearly from `start` to `end` over `steps`, then stays at
   * `end` (KL warm-up; Bowman et al. 2016, Sønderby et al. 2016). `'cyclical'` (Fu et al. 2019):
   * cycles of `steps` steps; in each, β rises linearly from `start` to `end` over the first
   * `ratio` of the cycle and stays at `end` for the rest; after `cycles` cycles it stays at `end`.
   */
  schedule?: 'linear' | 'cyclical';
  /** Length of the warm-up (linear) or of one cycle (cyclical), in units of `per`. Required, ≥ 1. */
  steps: number;
  /** What a step is for the callback: `'batch'` (default) or `'epoch'`. */
  per?: 'batch' | 'epoch';
  /** β at the start of the warm-up / of each cycle. Default 0. */
  start?: number;
  /** β after the warm-up / at the top of each cycle. Default 1 (the ELBO). */
  end?: number;
  /** Cyclical only: the fraction of each cycle spent rising, in (0, 1]. Default 0.5 (Fu et al.'s R). */
  ratio?: number;
  /** Cyclical only: the number of cycles before β stays at `end`. Default: cycle forever. */
  cycles?: number;
}

const ANNEALING_KEYS: readonly string[] = ['schedule', 'steps', 'per', 'start', 'end', 'ratio', 'cycles'];

interface CheckedAnnealing {
  schedule: 'linear' | 'cyclical';
  steps: number;
  per: 'batch' | 'epoch';
  start: number;
  end: number;
  ratio: number;
  cycles: number;
}

function checkAnnealingArgs(owner: string, args: unknown): CheckedAnnealing {
  if (args === undefined || args === null) {
    throw new ValueError(`${owner}: the options {steps, …} are required; got ${fmt(args)}.`);
  }
  checkArgsObject(owner, args);
  checkKeys(owner, args, {own: ANNEALING_KEYS});
  const a = args as KLAnnealingArgs;
  const schedule = a.schedule ?? 'linear';
  if (schedule !== 'linear' && schedule !== 'cyclical') {
    throw new ValueError(`${owner}: schedule must be one of "linear", "cyclical"; got ${fmt(a.schedule)}.`);
  }
  if (typeof a.steps !== 'number' || !Number.isSafeInteger(a.steps) || a.steps < 1) {
    throw new ValueError(`${owner}: steps must be a positive integer; got ${fmt(a.steps)}.`);
  }
  const per = a.per ?? 'batch';
  if (per !== 'batch' && per !== 'epoch') {
    throw new ValueError(`${owner}: per must be one of "batch", "epoch"; got ${fmt(a.per)}.`);
  }
  const finiteNonNegative = (name: string, v: unknown, dflt: number): number => {
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new ValueError(`${owner}: ${name} must be a finite number ≥ 0; got ${fmt(v)}.`);
    }
    return v;
  };
  const start = finiteNonNegative('start', a.start, 0);
  const end = finiteNonNegative('end', a.end, 1);
  if (schedule === 'linear' && (a.ratio !== undefined || a.cycles !== undefined)) {
    throw new ValueError(`${owner}: ratio and cycles apply to schedule "cyclical" only; got ` +
        `${fmt({ratio: a.ratio, cycles: a.cycles})} with schedule "linear".`);
  }
  const ratio = a.ratio ?? 0.5;
  if (typeof ratio !== 'number' || !(ratio > 0 && ratio <= 1)) {
    throw new ValueError(`${owner}: ratio must be a number in (0, 1]; got ${fmt(a.ratio)}.`);
  }
  const cycles = a.cycles ?? Infinity;
  if (cycles !== Infinity && (typeof cycles !== 'number' || !Number.isSafeInteger(cycles) || cycles < 1)) {
    throw new ValueError(`${owner}: cycles must be a positive integer; got ${fmt(a.cycles)}.`);
  }
  return {schedule, steps: a.steps, per, start, end, ratio, cycles};
}

function scheduleOf(c: CheckedAnnealing): KLSchedule {
  return (step: number): number => {
    if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
      throw new ValueError(`klAnnealingSchedule: step must be an integer ≥ 0; got ${fmt(step)}.`);
    }
    if (c.schedule === 'linear') {
      return c.start + (c.end - c.start) * Math.min(1, step / c.steps);
    }
    if (step >= c.cycles * c.steps) return c.end;
    const tau = (step % c.steps) / c.steps;
    return c.start + (c.end - c.start) * Math.min(1, tau / c.ratio);
  };
}

/**
 * A KL annealing schedule as a function of the step: β(step). For custom training loops
 * (`loss = nll + β(step) · kl`, e.g. with tfp.nn) and behind {@link klAnnealing}.
 *
 * @example
 * const beta = tfp.layers.klAnnealingSchedule({schedule: 'cyclical', steps: 100, cycles: 4});
 * beta(0);   // 0
 * beta(25);  // 0.5
 * beta(60);  // 1
 */
export function klAnnealingSchedule(args: KLAnnealingArgs): KLSchedule {
  return scheduleOf(checkAnnealingArgs('klAnnealingSchedule', args));
}

/**
 * A callback that anneals the KL term of every Bayesian layer of the model being fitted: before
 * each batch (or epoch, with `per: 'epoch'`) it sets each layer's factor β to the schedule's
 * value (`tfp.layers.setKLBeta`), so the loss is `NLL + β · KL/N`. Steps count from the start of
 * this callback's first `fit` and carry on across later `fit` calls with the same callback. When
 * training ends β stays at its last value; call `setKLBeta(model, 1)` to restore the ELBO.
 *
 * @example
 * await model.fit(x, y, {epochs: 40, callbacks: [
 *   tfp.layers.klAnnealing({schedule: 'linear', steps: 10, per: 'epoch'}), tfp.layers.elboLogger()]});
 */
export function klAnnealing(args: KLAnnealingArgs): Callback {
  const checked = checkAnnealingArgs('klAnnealing', args);
  return new KLAnnealing(checked.per, scheduleOf(checked));
}

class KLAnnealing extends tfl.Callback {
  private step = 0;

  constructor(private readonly per: 'batch' | 'epoch', private readonly schedule: KLSchedule) {
    super();
  }

  override async onBatchBegin(): Promise<void> {
    if (this.per !== 'batch') return;
    setKLBeta(attachedModel('klAnnealing', this), this.schedule(this.step));
  }

  override async onBatchEnd(): Promise<void> {
    if (this.per === 'batch') this.step += 1;
  }

  override async onEpochBegin(): Promise<void> {
    if (this.per !== 'epoch') return;
    setKLBeta(attachedModel('klAnnealing', this), this.schedule(this.step));
  }

  override async onEpochEnd(): Promise<void> {
    if (this.per === 'epoch') this.step += 1;
  }
}
