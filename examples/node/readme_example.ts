// The README's example, verbatim: a Bayesian regression with Flipout layers whose loss is the
// per-example negative ELBO, NLL + KL/N. Run: npx tsx examples/node/readme_example.ts
import * as tf from '@tensorflow/tfjs';
import * as tfp from 'tfjs-probability';

const N = 256;                                             // training examples per epoch
const x = tf.randomUniform([N, 1], -1, 1, 'float32', 1);
const y = tf.add(tf.sin(tf.mul(x, 3)), tf.randomNormal([N, 1], 0, 0.1, 'float32', 2));

// KL scaling by the number of examples is the user's, as in TFP: KL(q‖p) / N per layer.
const kl = tfp.layers.util.klDivergenceFn({weight: 1 / N});
const model = tf.sequential({layers: [
  tfp.layers.denseFlipout({units: 32, activation: 'relu', inputShape: [1], kernelDivergenceFn: kl, seed: 1}),
  tfp.layers.denseFlipout({units: 1, kernelDivergenceFn: kl, seed: 2}),
]});
model.compile({optimizer: tf.train.adam(0.01), loss: 'meanSquaredError'});   // fit adds Σ KL/N
const history = await model.fit(x, y, {epochs: 30, batchSize: 32, verbose: 0});
const losses = history.history['loss'] as number[];
console.log(`loss (MSE + KL/N): ${losses[0]!.toFixed(3)} → ${losses.at(-1)!.toFixed(3)}`);
console.log(`KL/N of the last step: ${tfp.layers.totalDivergence(model).dataSync()[0]!.toFixed(4)}`);

// Every forward pass draws new weights: 50 passes give a predictive mean and spread.
const grid = tf.linspace(-2, 2, 5).reshape([5, 1]);
const draws = tf.stack(Array.from({length: 50}, () => model.predict(grid) as tf.Tensor));
const {mean, variance} = tf.moments(draws, 0);
console.log('x      mean    std');
const [g, m, v] = [grid.dataSync(), mean.dataSync(), variance.dataSync()];
for (let i = 0; i < 5; i++) console.log(`${g[i]!.toFixed(1).padStart(4)}  ${m[i]!.toFixed(3).padStart(6)}  ${Math.sqrt(v[i]!).toFixed(3)}`);

export {losses};
