// Page 1's models, free of the DOM: a small Bayesian MLP (DenseReparameterization: one kernel draw
// per call, so each call is one coherent posterior function) and a deterministic twin.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as tfp from 'tfjs-probability';

import {denseReparameterization} from './bayes.js';

/** Predictive summary on a grid of x values. */
export interface BandSummary {
  xs: number[];
  mean: number[];
  std: number[];
  /** A few whole posterior functions, `samples[s][i]` at `xs[i]`. */
  samples: number[][];
}

/** Observation noise σₙ assumed by the Gaussian likelihood: loss = Σ(y − f)² / (2σₙ²) per example. */
export const NOISE_STD = 0.1;
const HIDDEN = 32;

function mlp(bayes: boolean, klWeight: number): tfl.Sequential {
  const model = tfl.sequential();
  if (bayes) {
    model.add(denseReparameterization({units: HIDDEN, activation: 'relu', klWeight, inputShape: [1]}));
    model.add(denseReparameterization({units: HIDDEN, activation: 'relu', klWeight}));
    model.add(denseReparameterization({units: 1, klWeight}));
  } else {
    model.add(tfl.layers.dense({units: HIDDEN, activation: 'relu', inputShape: [1]}));
    model.add(tfl.layers.dense({units: HIDDEN, activation: 'relu'}));
    model.add(tfl.layers.dense({units: 1}));
  }
  const scale = 1 / (2 * NOISE_STD * NOISE_STD);
  model.compile({
    optimizer: tf.train.adam(0.01),
    loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.mul(tf.losses.meanSquaredError(yTrue, yPred), scale),
  });
  return model;
}

/** The Bayesian net and its deterministic twin, trained together on the same points. */
export class RegressionPair {
  readonly bnn: tfl.Sequential;
  readonly det: tfl.Sequential;
  steps = 0;
  lastLoss = NaN;
  private xs: number[] = [];
  private ys: number[] = [];

  /** `klWeight` scales KL(q‖p); 1/N would be the exact ELBO for N points, smaller trusts data more. */
  constructor(readonly klWeight = 1 / 64) {
    this.bnn = mlp(true, klWeight);
    this.det = mlp(false, 0);
  }

  /** Replaces the training set. */
  setData(xs: number[], ys: number[]): void {
    this.xs = [...xs];
    this.ys = [...ys];
  }

  get size(): number {
    return this.xs.length;
  }

  /** Runs `k` full-batch optimizer steps on both nets; resolves to the Bayesian loss (NLL + KL). */
  async train(k: number): Promise<number> {
    if (this.xs.length === 0) return NaN;
    const x = tf.tensor2d(this.xs, [this.xs.length, 1]);
    const y = tf.tensor2d(this.ys, [this.ys.length, 1]);
    let loss = NaN;
    for (let i = 0; i < k; i++) {
      const l = await this.bnn.trainOnBatch(x, y);
      loss = Array.isArray(l) ? (l[0] ?? NaN) : l;
      await this.det.trainOnBatch(x, y);
      this.steps++;
    }
    x.dispose();
    y.dispose();
    this.lastLoss = loss;
    return loss;
  }

  /** Monte Carlo predictive on `xs` with `s` posterior functions; keeps `keep` of them whole. */
  async band(xs: number[], s: number, keep = 0): Promise<BandSummary> {
    const x = tf.tensor2d(xs, [xs.length, 1]);
    const mc = tfp.predictive.predictMC(this.bnn, x, {samples: s, batchSize: xs.length});
    const draws = tf.reshape(mc, [s, xs.length]);
    mc.dispose();
    const moments = tf.moments(draws, 0);
    const head = tf.slice(draws, [0, 0], [keep, xs.length]);
    const [mean, variance, kept] = await Promise.all([moments.mean.data(), moments.variance.data(), head.array()]);
    tf.dispose([x, draws, head, moments.mean, moments.variance]);
    return {xs, mean: Array.from(mean), std: Array.from(variance, Math.sqrt), samples: kept as number[][]};
  }

  /** The deterministic net's curve on `xs`. */
  async deterministic(xs: number[]): Promise<number[]> {
    const x = tf.tensor2d(xs, [xs.length, 1]);
    const y = this.det.predict(x) as tf.Tensor;
    const out = Array.from(await y.data());
    tf.dispose([x, y]);
    return out;
  }

  /** Predictive standard deviation at one x, from `s` posterior functions. */
  async stdAt(x: number, s = 200): Promise<number> {
    return (await this.band([x], s)).std[0] ?? NaN;
  }

  dispose(): void {
    this.bnn.dispose();
    this.det.dispose();
  }
}
