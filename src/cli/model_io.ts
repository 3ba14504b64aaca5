// Saving and loading tfjs models as `model.json` + `weights.bin` in a directory, the layout of
// tfjs-node's `file://` handler, without needing tfjs-node: both files are written atomically.
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {writeFilesAtomic} from './fsutil.js';

function joinWeights(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const buf = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
  return new Uint8Array(buf);
}

/** Saves `model` into `dir` as `model.json` + `weights.bin` (whole files or none). */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const modelJson = {
      modelTopology: artifacts.modelTopology,
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
      convertedBy: null,
      weightsManifest: [{paths: ['./weights.bin'], weights: artifacts.weightSpecs ?? []}],
      ...(artifacts.trainingConfig ? {trainingConfig: artifacts.trainingConfig} : {}),
    };
    const weights = joinWeights(artifacts.weightData);
    writeFilesAtomic([
      [path.join(dir, 'weights.bin'), weights],
      [path.join(dir, 'model.json'), JSON.stringify(modelJson)],
    ]);
    return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON',
      weightDataBytes: weights.byteLength}};
  }));
}

interface ModelJsonShape {
  modelTopology: object;
  weightsManifest: Array<{paths: string[], weights: tf.io.WeightsManifestEntry[]}>;
}

function isModelJson(v: unknown): v is ModelJsonShape {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o['modelTopology'] === 'object' && o['modelTopology'] !== null &&
      Array.isArray(o['weightsManifest']);
}

/**
 * Loads a model saved by {@link saveModel} (or tfjs-node) from `dir` (or its `model.json`).
 * Throws `ValueError` naming `option` when the files are missing, corrupt or do not match.
 */
export async function loadModel(owner: string, option: string, dirOrFile: string): Promise<tf.LayersModel> {
  const file = dirOrFile.endsWith('.json') ? dirOrFile : path.join(dirOrFile, 'model.json');
  const dir = path.dirname(file);
  const bad = (why: string): ValueError => new ValueError(`${owner}: ${option} must be a directory ` +
      `holding model.json and weights.bin written by \`train\`; got ${fmt(dirOrFile)} (${why}).`);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch (e) {
    throw bad(e instanceof Error ? e.message : String(e));
  }
  if (!isModelJson(json)) throw bad('model.json has no modelTopology/weightsManifest');
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  try {
    for (const group of json.weightsManifest) {
      specs.push(...group.weights);
      for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
    }
  } catch (e) {
    throw bad(e instanceof Error ? e.message : String(e));
  }
  const total = buffers.reduce((a, b) => a + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    weightData.set(b, offset);
    offset += b.byteLength;
  }
  const expected = specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1) * 4, 0);
  if (expected !== total) throw bad(`weights.bin has ${total} bytes, model.json expects ${expected}`);
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: json.modelTopology, weightSpecs: specs, weightData: weightData.buffer,
    }));
  } catch (e) {
    throw bad(e instanceof Error ? e.message : String(e));
  }
}
