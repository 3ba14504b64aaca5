// A Bayesian LSTM forecaster on a noisy sine: trained on windows of the first 300 steps, it rolls
// forward 40 steps past the data, one posterior draw of the weights per rollout
// (tfp.layers.withPosteriorSample), and the spread of 100 rollouts grows with the horizon.
// Run: npx tsx examples/node/sequence_example.ts
import * as tf from '@tensorflow/tfjs';
import * as tfp from 'tfjs-probability';

const WINDOW = 20;
const T = 300;
const series = Array.from({length: T}, (_, t) => Math.sin(t / 8) + 0.1 * Math.sin(t * 12.9898) * 1.7);
const windows = Array.from({length: T - WINDOW}, (_, i) => series.slice(i, i + WINDOW));
const x = tf.tensor3d(windows.map((w) => w.map((v) => [v])));            // [N, 20, 1]
const y = tf.tensor2d(windows.map((_, i) => [series[i + WINDOW] as number]));   // the next value
const N = windows.length;

const model = tf.sequential({layers: [
  tfp.layers.lstmFlipout({units: 16, inputShape: [WINDOW, 1], seed: 1}),
  tfp.layers.denseFlipout({units: 1, seed: 2}),
]});
tfp.layers.scaleKLByExamples(model, N);                 // KL / N: the per-example ELBO
model.compile({optimizer: tf.train.adam(0.01), loss: 'meanSquaredError'});
const history = await model.fit(x, y, {epochs: 30, batchSize: 32, verbose: 0, callbacks: [tfp.layers.elboLogger()]});
export const nll = history.history['nll'] as number[];
console.log(`MSE part of the loss: ${nll[0]!.toFixed(3)} → ${nll.at(-1)!.toFixed(3)}; ` +
    `KL/N: ${(history.history['kl'] as number[]).at(-1)!.toFixed(3)}`);

// 100 rollouts of 40 steps from the last window; each rollout is one posterior function.
const HORIZON = 40;
const rollouts: number[][] = [];
for (let s = 0; s < 100; s++) {
  rollouts.push(tfp.layers.withPosteriorSample(model, () => {
    const window = series.slice(T - WINDOW);
    const path: number[] = [];
    for (let h = 0; h < HORIZON; h++) {
      const next = tf.tidy(() => (model.predict(tf.tensor3d([window.map((v) => [v])])) as tf.Tensor).dataSync()[0] as number);
      path.push(next);
      window.shift();
      window.push(next);
    }
    return path;
  }));
}
export const spread = Array.from({length: HORIZON}, (_, h) => {
  const v = rollouts.map((r) => r[h] as number);
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
});
console.log(`predictive stddev at horizon 1: ${spread[0]!.toFixed(3)}, 10: ${spread[9]!.toFixed(3)}, ` +
    `40: ${spread[39]!.toFixed(3)}`);
