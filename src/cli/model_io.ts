// Saving and loading the CLI's models through the library's one implementation (tfp.io): a
// directory with model.json + weights, written atomically, read back with full validation.
import type * as tf from '@tensorflow/tfjs';

import {fileSystem} from '../io/file_system.js';
import {loadLayersModel} from '../io/load.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

/** Saves `model` into `dir` as `model.json` + weights (whole files or none; see tfp.io.fileSystem). */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(fileSystem(dir));
}

/**
 * Loads a model saved by {@link saveModel} (or tfjs-node) from `dir` (or its `model.json`).
 * Throws `ValueError` naming `option` when the files are missing, corrupt or do not match.
 */
export async function loadModel(owner: string, option: string, dirOrFile: string): Promise<tf.LayersModel> {
  try {
    return await loadLayersModel(fileSystem(dirOrFile)) as tf.LayersModel;
  } catch (e) {
    throw new ValueError(`${owner}: ${option} must be a directory holding model.json and its ` +
        `weights written by \`train\`; got ${fmt(dirOrFile)} (${e instanceof Error ? e.message : String(e)}).`);
  }
}
