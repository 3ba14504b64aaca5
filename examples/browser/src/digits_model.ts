// Page 2's model, free of the DOM: a Flipout MLP trained in the page on the embedded 14x14 digits,
// and its Monte Carlo predictive with the epistemic part (mutual information) split out.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as tfp from 'tfjs-probability';

import {denseFlipout} from './bayes.js';
import {PER_CLASS, PIXELS_BASE64, SIDE} from './digits_data.js';

/** Pixels per image. */
export const INPUT = SIDE * SIDE;

/** The embedded digits as float images in [0, 1] and integer labels. */
export interface DigitSet {
  images: Float32Array;
  labels: Int32Array;
  count: number;
}

/** Decodes `digits_data.ts` (two 4-bit pixels per byte). */
export function decodeDigits(): DigitSet {
  const bin = atob(PIXELS_BASE64);
  const images = new Float32Array(bin.length * 2);
  for (let i = 0; i < bin.length; i++) {
    const b = bin.charCodeAt(i);
    images[2 * i] = (b >> 4) / 15;
    images[2 * i + 1] = (b & 15) / 15;
  }
  const count = images.length / INPUT;
  const labels = Int32Array.from({length: count}, (_, i) => Math.floor(i / PER_CLASS));
  return {images, labels, count};
}

/** Monte Carlo predictive of one image. */
export interface DigitPrediction {
  /** Predictive probabilities p̄ = (1/S) Σ_s p(y | x, W_s); they sum to 1. */
  probs: number[];
  /** Standard deviation of each class probability over the S posterior samples. */
  probsStd: number[];
  /** `samples[s][c]`: class probabilities under posterior sample s. */
  samples: number[][];
  /** H[p̄], total uncertainty (nats). */
  predictiveEntropy: number;
  /** (1/S) Σ_s H[p_s], the aleatoric part (nats). */
  expectedEntropy: number;
  /** H[p̄] − E_s H[p_s] ≥ 0: how much the posterior samples disagree (epistemic, nats). */
  mutualInformation: number;
  argmax: number;
}

/** The in-page classifier: 196 → DenseFlipout(64, relu) → DenseFlipout(10, softmax). */
export class DigitClassifier {
  readonly model: tfl.Sequential;
  readonly data: DigitSet;
  steps = 0;
  epochs = 0;
  lastLoss = NaN;
  lastAccuracy = NaN;
  private order: number[];
  private cursor = 0;

  constructor(readonly batchSize = 60) {
    this.data = decodeDigits();
    const klWeight = 1 / this.data.count;   // the per-example ELBO: KL / N
    this.model = tfl.sequential({layers: [
      denseFlipout({units: 64, activation: 'relu', klWeight, inputShape: [INPUT]}),
      denseFlipout({units: 10, activation: 'softmax', klWeight}),
    ]});
    this.model.compile({optimizer: tf.train.adam(0.005), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
    this.order = Array.from({length: this.data.count}, (_, i) => i);
    this.shuffle();
  }

  private shuffle(): void {
    for (let i = this.order.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [this.order[i], this.order[j]] = [this.order[j] ?? 0, this.order[i] ?? 0];
    }
  }

  /** One optimizer step on the next mini-batch (reshuffled every epoch). */
  async step(): Promise<void> {
    if (this.cursor + this.batchSize > this.order.length) {
      this.cursor = 0;
      this.epochs++;
      this.shuffle();
    }
    const idx = this.order.slice(this.cursor, this.cursor + this.batchSize);
    this.cursor += this.batchSize;
    const xs = new Float32Array(idx.length * INPUT);
    idx.forEach((k, r) => xs.set(this.data.images.subarray(k * INPUT, (k + 1) * INPUT), r * INPUT));
    const x = tf.tensor2d(xs, [idx.length, INPUT]);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(idx.map((k) => this.data.labels[k] ?? 0), 'int32'), 10));
    const out = await this.model.trainOnBatch(x, y);
    tf.dispose([x, y]);
    const [loss, acc] = Array.isArray(out) ? out : [out, NaN];
    this.lastLoss = loss ?? NaN;
    this.lastAccuracy = acc ?? NaN;
    this.steps++;
  }

  /**
   * The `q`-quantile of the mutual information over the training digits: a verdict threshold that
   * follows the posterior as it widens with training (a fixed number of nats would not).
   */
  async mutualInformationQuantile(q = 0.95, s = 16): Promise<number> {
    const x = tf.tensor2d(this.data.images, [this.data.count, INPUT]);
    const probs = tfp.predictive.predictMC(this.model, x, {samples: s, batchSize: this.data.count});
    const sum = tfp.predictive.summarize(probs);
    const mi = Array.from(await sum.mutualInformation.data()).sort((a, b) => a - b);
    tfp.predictive.disposeSummary(sum);
    tf.dispose([x, probs]);
    return mi[Math.min(mi.length - 1, Math.floor(q * mi.length))] ?? NaN;
  }

  /**
   * `tfp.predictive.predictMC` with S passes of one 14x14 image (values in [0, 1]), each with fresh
   * weights, then `tfp.predictive.summarize` for the entropy split; read back asynchronously.
   */
  async predict(image: Float32Array, s = 32): Promise<DigitPrediction> {
    const x = tf.tensor2d(image, [1, INPUT]);
    const probs = tfp.predictive.predictMC(this.model, x, {samples: s});
    const sum = tfp.predictive.summarize(probs);
    const [draws, mean, std, h, eh, mi] = await Promise.all([
      probs.array(), sum.mean.data(), sum.stddev.data(), sum.predictiveEntropy.data(),
      sum.expectedEntropy.data(), sum.mutualInformation.data(),
    ]);
    tfp.predictive.disposeSummary(sum);
    tf.dispose([x, probs]);
    const p = Array.from(mean);
    return {
      probs: p, probsStd: Array.from(std), samples: draws.map((d) => d[0] ?? []),
      predictiveEntropy: h[0] ?? NaN, expectedEntropy: eh[0] ?? NaN, mutualInformation: mi[0] ?? NaN,
      argmax: p.reduce((best, v, j) => (v > (p[best] ?? -1) ? j : best), 0),
    };
  }
}
