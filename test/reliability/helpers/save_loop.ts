// Child process of crash_save.test.ts: saves a model to `dir` (argv[2]) over and over, every weight
// set to the iteration number k = 1, 2, …, and prints "saved k" after each save returns. The parent
// kills it with SIGKILL at a random moment and checks that the directory still loads intact.
import * as tf from '@tensorflow/tfjs';

import * as tfp from '../../../src/index.js';

await tf.setBackend('cpu');
const dir = process.argv[2] as string;
// ~0.5 MB of weights, so that a kill often lands inside a write.
const model = tf.sequential({layers: [tfp.layers.denseFlipout({units: 256, inputShape: [256], seed: 1})]});
for (let k = 1; ; k++) {
  const values = model.getWeights().map((w) => tf.fill(w.shape, k));
  model.setWeights(values);
  tf.dispose(values);
  process.stdout.write(`start ${k}\n`);
  await model.save(tfp.io.fileSystem(dir));
  process.stdout.write(`saved ${k}\n`);
}
