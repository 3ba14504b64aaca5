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

/** A drawn digit as both models want it (ink in [0, 1]): MNIST-style 28x28, and pooled to 14x14. */
export interface DigitInput {
  img28: Float32Array;
  img14: Float32Array;
}

/** What page 2 needs from a classifier, trained in the page or loaded. */
export interface DigitBrain {
  /** 'in-page' or the URL of a loaded model.json. */
  readonly source: string;
  /** Optimizer steps the page should run (0 for a loaded model). */
  readonly maxSteps: number;
  readonly steps: number;
  readonly epochs: number;
  readonly lastAccuracy: number;
  readonly data: DigitSet;
  step(): Promise<void>;
  /** `tfp.predictive.predictMC` with S fresh-weight passes, then `summarize`; async reads only. */
  predict(input: DigitInput, s?: number): Promise<DigitPrediction>;
  /**
   * The `q`-quantile of the mutual information over the embedded digits: a verdict threshold that
   * follows the posterior as it widens with training (a fixed number of nats would not).
   */
  mutualInformationQuantile(q: number): Promise<number>;
}

async function predictOne(model: tfl.LayersModel, x: tf.Tensor, s: number): Promise<DigitPrediction> {
  const probs = tfp.predictive.predictMC(model, x, {samples: s});
  const sum = tfp.predictive.summarize(probs);
  const [draws, mean, std, h, eh, mi] = await Promise.all([
    probs.array(), sum.mean.data(), sum.stddev.data(), sum.predictiveEntropy.data(),
    sum.expectedEntropy.data(), sum.mutualInformation.data(),
  ]);
  tfp.predictive.disposeSummary(sum);
  probs.dispose();
  const p = Array.from(mean);
  return {
    probs: p, probsStd: Array.from(std), samples: draws.map((d) => d[0] ?? []),
    predictiveEntropy: h[0] ?? NaN, expectedEntropy: eh[0] ?? NaN, mutualInformation: mi[0] ?? NaN,
    argmax: p.reduce((best, v, j) => (v > (p[best] ?? -1) ? j : best), 0),
  };
}

async function miQuantile(model: tfl.LayersModel, x: tf.Tensor, q: number, s = 16): Promise<number> {
  const n = x.shape[0] ?? 1;
  const probs = tfp.predictive.predictMC(model, x, {samples: s, batchSize: n});
  const sum = tfp.predictive.summarize(probs);
  const mi = Array.from(await sum.mutualInformation.data()).sort((a, b) => a - b);
  tfp.predictive.disposeSummary(sum);
  probs.dispose();
  return mi[Math.min(mi.length - 1, Math.floor(q * mi.length))] ?? NaN;
}

/** The in-page classifier: 196 → DenseFlipout(64, relu) → DenseFlipout(10, softmax). */
export class DigitClassifier implements DigitBrain {
  readonly source = 'in-page';
  readonly maxSteps: number;
  readonly model: tfl.Sequential;
  readonly data: DigitSet;
  steps = 0;
  epochs = 0;
  lastLoss = NaN;
  lastAccuracy = NaN;
  private order: number[];
  private cursor = 0;

  constructor(maxSteps: number, readonly batchSize = 60) {
    this.maxSteps = maxSteps;
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

  /** See {@link DigitBrain.mutualInformationQuantile}. */
  async mutualInformationQuantile(q: number): Promise<number> {
    const x = tf.tensor2d(this.data.images, [this.data.count, INPUT]);
    const out = await miQuantile(this.model, x, q);
    x.dispose();
    return out;
  }

  /** See {@link DigitBrain.predict}; this model reads the 14x14 image in [0, 1]. */
  async predict(input: DigitInput, s = 32): Promise<DigitPrediction> {
    const x = tf.tensor2d(input.img14, [1, INPUT]);
    const out = await predictOne(this.model, x, s);
    x.dispose();
    return out;
  }
}

/**
 * A classifier saved by the CLI (`tfp train --out …`: model.json + its weights file), loaded with
 * `tf.loadLayersModel`; the Bayesian layers deserialize because importing tfp registers them. It
 * expects 28x28 images scaled to [−1, 1] (TFP's example and the CLI: 2·x/255 − 1) and is not trained here.
 */
export class LoadedDigitClassifier implements DigitBrain {
  readonly maxSteps = 0;
  readonly steps = 0;
  readonly epochs = 0;
  readonly lastAccuracy = NaN;
  readonly data: DigitSet = decodeDigits();

  private constructor(readonly model: tfl.LayersModel, readonly source: string,
      private readonly inputShape: number[]) {}

  /** Loads `url` (a model.json); rejects unless the model maps 784 pixels to 10 probabilities. */
  static async load(url: string): Promise<LoadedDigitClassifier> {
    const model = await tfl.loadLayersModel(url);
    const inShape = model.inputs[0]?.shape.slice(1) ?? [];
    const outShape = model.outputs[0]?.shape.slice(1) ?? [];
    const pixels = inShape.reduce<number>((a, b) => a * (b ?? 0), 1);
    if (pixels !== 784 || outShape.length !== 1 || outShape[0] !== 10) {
      model.dispose();
      throw new Error(`demo: ${url} must map 28x28 images to 10 classes; got input ` +
          `${JSON.stringify(inShape)} and output ${JSON.stringify(outShape)}`);
    }
    return new LoadedDigitClassifier(model, url, [1, ...(inShape as number[])]);
  }

  async step(): Promise<void> {
    // Nothing to train: the model arrives trained.
  }

  /** On the embedded digits, upsampled 2x (nearest) to the model's 28x28 and scaled to [−1, 1]. */
  async mutualInformationQuantile(q: number): Promise<number> {
    const x = tf.tidy(() => {
      const small = tf.tensor4d(this.data.images, [this.data.count, SIDE, SIDE, 1]);
      const big = tf.image.resizeNearestNeighbor(small, [28, 28]);
      return tf.reshape(tf.sub(tf.mul(big, 2), 1), [this.data.count, ...this.inputShape.slice(1)]);
    });
    const out = await miQuantile(this.model, x, q);
    x.dispose();
    return out;
  }

  /** See {@link DigitBrain.predict}; this model reads the 28x28 image, scaled to [−1, 1]. */
  async predict(input: DigitInput, s = 32): Promise<DigitPrediction> {
    const x = tf.tidy(() => tf.sub(tf.mul(tf.tensor(input.img28, this.inputShape), 2), 1));
    const out = await predictOne(this.model, x, s);
    x.dispose();
    return out;
  }
}
