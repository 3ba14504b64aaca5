// Child process of crash_save.test.ts: saves a model to `dir` (argv[2]) over and over, every weight
// set to the iteration number k = 1, 2, …, and prints "saved k" after each save returns. With
// argv[3] = "alternate", odd k save a 256-unit layer and even k a 128-unit one, so consecutive
// saves differ in layout. The parent kills it with SIGKILL at a random moment and checks that the
// directory still loads intact.
import * as tf from '@tensorflow/tfjs';

import * as tfp from '../../../src/index.js';

await tf.setBackend('cpu');
const dir = process.argv[2] as string;
const alternate = process.argv[3] === 'alternate';
// ~0.5 MB of weights, so that a kill often lands inside a write.
const make = (units: number): tf.Sequential =>
  tf.sequential({layers: [tfp.layers.denseFlipout({units, inputShape: [256], seed: 1})]});
const models = [make(256), alternate ? make(128) : undefined];
for (let k = 1; ; k++) {
  const model = (k % 2 === 0 && models[1] !== undefined ? models[1] : models[0]) as tf.Sequential;
  const values = model.getWeights().map((w) => tf.fill(w.shape, k));
  model.setWeights(values);
  tf.dispose(values);
  process.stdout.write(`start ${k}\n`);
  await model.save(tfp.io.fileSystem(dir));
  process.stdout.write(`saved ${k}\n`);
}
