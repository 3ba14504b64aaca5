// Child process of concurrent_save.test.ts: saves a model to `dir` (argv[2]) `count` times
// (argv[4]), every weight set to the value v = writer · 100 000 + k for save k = 1 … count of
// writer `writer` (argv[3]); odd k save a 64-unit layer and even k a 32-unit one, so consecutive
// saves differ in layout. Prints "done <count>" at the end.
import * as tf from '@tensorflow/tfjs';

import * as tfp from '../../../src/index.js';

await tf.setBackend('cpu');
const dir = process.argv[2] as string;
const writer = Number(process.argv[3]);
const count = Number(process.argv[4]);
const make = (units: number): tf.Sequential =>
  tf.sequential({layers: [tfp.layers.denseFlipout({units, inputShape: [64], seed: 1})]});
const models = {odd: make(64), even: make(32)};
for (let k = 1; k <= count; k++) {
  const model = k % 2 === 0 ? models.even : models.odd;
  const values = model.getWeights().map((w) => tf.fill(w.shape, writer * 100_000 + k));
  model.setWeights(values);
  tf.dispose(values);
  await model.save(tfp.io.fileSystem(dir));
}
process.stdout.write(`done ${count}\n`);
