// Every test file runs on tfjs's deterministic 'cpu' backend unless TFP_TEST_BACKEND says otherwise.
import * as tf from '@tensorflow/tfjs';

await tf.setBackend(process.env['TFP_TEST_BACKEND'] ?? 'cpu');
await tf.ready();
