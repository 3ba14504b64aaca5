// tfp.convert: uncertainty for models users already have — a trained tf.LayersModel rebuilt as a
// Bayesian one (DNN → BNN with MOPED) or with dropout inserted (for MC dropout). Model surgery only.
export {dnnToBnn} from './dnn_to_bnn.js';
export type {DnnToBnnArgs, LayerSelection} from './dnn_to_bnn.js';
export {insertDropout} from './dropout.js';
export type {InsertDropoutArgs} from './dropout.js';
export {MOPED_SCALE_FLOOR, mopedPriorFn} from './moped.js';
export type {MopedPriorArgs} from './moped.js';
