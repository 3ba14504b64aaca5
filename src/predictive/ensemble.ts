// Deep ensembles (Lakshminarayanan, Pritzel & Blundell 2017): K independently trained members whose
// predictions form a uniform mixture, stacked as [K, N, C] like predictMC, so that tfp.predictive's
// summaries and metrics apply unchanged.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {checkArgsObject, checkKeys} from '../util/keys.js';
import {checkSeed, SeedStream} from '../util/seed.js';

import {checkPositiveInt} from './mc.js';
import type {Predictor} from './mc.js';

/** Options of {@link predictEnsemble}. */
export interface PredictEnsembleArgs {
  /** Examples per forward pass. Default 128. */
  batchSize?: number;
  /** `'probs'` (default) when the members end in a softmax, `'logits'` to apply one here. */
  outputs?: 'probs' | 'logits';
}

/**
 * Predicts with every member of an ensemble: `probs[k] = models[k].predict(x)`, one `[K, N, C]`
 * tensor, the uniform mixture `p(y|x) = (1/K) Σ_k p_k(y|x)` in the layout of {@link predictMC}
 * (`summarize(probs)` gives its mean, entropy and the members' disagreement as mutual
 * information). Members must agree on N and C. Each member's pass runs in its own `tf.tidy`.
 *
 * @example
 * const probs = tfp.predictive.predictEnsemble(members, xTest);
 * const acc = tfp.predictive.accuracy(tfp.predictive.summarize(probs).mean, yTest);
 */
export function predictEnsemble(models: readonly Predictor[], x: tf.Tensor, args: PredictEnsembleArgs = {}): tf.Tensor3D {
  const owner = 'predictEnsemble';
  if (!Array.isArray(models) || models.length === 0) {
    throw new ValueError(`${owner}: models must be a non-empty array of models; got ${fmt(models)}.`);
  }
  models.forEach((m, k) => {
    if (typeof m !== 'object' || m === null || typeof (m as Predictor).predict !== 'function') {
      throw new ValueError(`${owner}: models[${k}] must have a predict method (a tf.LayersModel); got ${fmt(m)}.`);
    }
  });
  if (!(x instanceof tf.Tensor) || x.isDisposed) {
    throw new ValueError(`${owner}: x must be a live tf.Tensor; got ${fmt(x)}.`);
  }
  checkArgsObject(owner, args);
  checkKeys(owner, args, {own: ['batchSize', 'outputs']});
  const batchSize = checkPositiveInt(owner, 'batchSize', args.batchSize ?? 128);
  const outputs = args.outputs ?? 'probs';
  if (outputs !== 'probs' && outputs !== 'logits') {
    throw new ValueError(`${owner}: outputs must be one of "probs", "logits"; got ${fmt(args.outputs)}.`);
  }
  const preds: tf.Tensor2D[] = [];
  try {
    models.forEach((m, k) => {
      preds.push(tf.tidy(() => {
        const y = m.predict(x, {batchSize});
        const out = Array.isArray(y) ? y : [y];
        const first = out[0];
        if (out.length !== 1 || first === undefined || first.rank !== 2) {
          throw new ValueError(`${owner}: models[${k}] must have one output of shape [N, C]; got ` +
              `${fmt(out.map((t) => t.shape))}.`);
        }
        const p = preds[0];
        if (p !== undefined && (first.shape[0] !== p.shape[0] || first.shape[1] !== p.shape[1])) {
          throw new ValueError(`${owner}: every member must predict the same [N, C]; models[0] gave ` +
              `${fmt(p.shape)}, models[${k}] gave ${fmt(first.shape)}.`);
        }
        return (outputs === 'logits' ? tf.softmax(first) : first) as tf.Tensor2D;
      }));
    });
    return tf.stack(preds) as tf.Tensor3D;
  } finally {
    tf.dispose(preds);
  }
}

/** Options of {@link trainEnsemble}. */
export interface TrainEnsembleArgs {
  /** Number of members K. Default 5 (Lakshminarayanan et al.). */
  members?: number;
  /** Base seed; member k is built with the k-th seed of a stream from it. Default unseeded. */
  seed?: number;
}

/**
 * Trains a deep ensemble: for k = 0 … K−1, `build(seed_k, k)` makes a fresh (compiled) member from
 * its own seed — use it for the initializers (`tf.initializers.glorotUniform({seed})`) and any
 * shuffling — and `train(model, k)` fits it (e.g. `model.fit(...)`). Members are trained one after
 * another (memory holds one training run at a time). Returns the K models; predict with
 * {@link predictEnsemble}. If a member fails, the members built so far are disposed.
 *
 * @example
 * const members = await tfp.predictive.trainEnsemble(
 *     (seed) => { const m = makeNet(seed); m.compile({optimizer: 'adam', loss: 'categoricalCrossentropy'}); return m; },
 *     (m) => m.fit(xTrain, yTrain, {epochs: 5}),
 *     {members: 5, seed: 1});
 */
export async function trainEnsemble(build: (seed: number, index: number) => tfl.LayersModel,
    train: (model: tfl.LayersModel, index: number) => unknown, args: TrainEnsembleArgs = {}): Promise<tfl.LayersModel[]> {
  const owner = 'trainEnsemble';
  if (typeof build !== 'function') throw new ValueError(`${owner}: build must be a function (seed, index) => model; got ${fmt(build)}.`);
  if (typeof train !== 'function') throw new ValueError(`${owner}: train must be a function (model, index) => Promise; got ${fmt(train)}.`);
  checkArgsObject(owner, args);
  checkKeys(owner, args, {own: ['members', 'seed']});
  const members = checkPositiveInt(owner, 'members', args.members ?? 5);
  const stream = new SeedStream(checkSeed(owner, args.seed), 'DeepEnsemble');
  const models: tfl.LayersModel[] = [];
  try {
    for (let k = 0; k < members; k++) {
      const m = build(stream.next(), k);
      if (typeof m !== 'object' || m === null || typeof (m as {fit?: unknown}).fit !== 'function') {
        throw new ValueError(`${owner}: build(seed, ${k}) must return a tf.LayersModel; got ${fmt(m)}.`);
      }
      models.push(m);
      await train(m, k);
    }
    return models;
  } catch (e) {
    models.forEach((m) => m.dispose());
    throw e;
  }
}
