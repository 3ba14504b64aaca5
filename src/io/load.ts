// A checked LayersModel loader: every weight of the file is matched by name, shape and dtype
// against the model its topology builds before any value is set, and a failed load leaves nothing
// behind (no variables, no decoded tensors). tf.loadLayersModel leaks the partly built model's
// variables and the decoded weights when a hostile or mismatched file fails half way. What a file
// may ask for is capped before it is allocated: the manifest's bytes (maxWeightBytes), and the
// weights the topology creates while it is built (no more than the manifest describes).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

import {fileSystem} from './file_system.js';
import {checkWeightSpec, resolveOptions, weightBytes} from './manifest.js';
import type {LoadLayersModelOptions} from './manifest.js';
import {withWeightBudget} from './weight_budget.js';

/** The newest tfjs-layers major version whose files this loader reads. */
const LAYERS_MAJOR = 4;

function checkFormat(source: string, artifacts: tf.io.ModelArtifacts): void {
  if (artifacts.format !== undefined && artifacts.format !== 'layers-model') {
    throw new ValueError(`loadLayersModel: format of ${source} must be "layers-model"; ` +
        `got ${fmt(artifacts.format)}.`);
  }
  const version = /^TensorFlow\.js tfjs-layers v(\d+)\./.exec(artifacts.generatedBy ?? '');
  if (version !== null && Number(version[1]) > LAYERS_MAJOR) {
    throw new ValueError(`loadLayersModel: ${source} was written by a newer tfjs-layers; generatedBy ` +
        `must be tfjs-layers v${LAYERS_MAJOR} or older; got ${fmt(artifacts.generatedBy)}.`);
  }
  if (typeof artifacts.modelTopology !== 'object' || artifacts.modelTopology === null ||
      Array.isArray(artifacts.modelTopology) || artifacts.modelTopology instanceof ArrayBuffer) {
    throw new ValueError(`loadLayersModel: modelTopology of ${source} must be a JSON object; ` +
        `got ${fmt(artifacts.modelTopology)}.`);
  }
}

/** Checks that the weight specs of the file are exactly the model's weights (name, shape, dtype). */
function checkWeights(source: string, model: tfl.LayersModel, specs: tf.io.WeightsManifestEntry[]): void {
  const expected = new Map(model.weights.map((w) => [w.originalName, w]));
  const seen = new Set<string>();
  for (const spec of specs) {
    if (spec.group === 'optimizer') continue;
    const w = expected.get(spec.name);
    if (w === undefined) {
      throw new ValueError(`loadLayersModel: weight ${fmt(spec.name)} of ${source} must be a weight ` +
          `of the model; its weights are ${fmt([...expected.keys()])}.`);
    }
    if (seen.has(spec.name)) {
      throw new ValueError(`loadLayersModel: weight ${fmt(spec.name)} of ${source} must appear once; got it twice.`);
    }
    seen.add(spec.name);
    if (spec.shape.length !== w.shape.length || spec.shape.some((d, i) => d !== w.shape[i])) {
      throw new ValueError(`loadLayersModel: weight ${fmt(spec.name)} of ${source} must have shape ` +
          `${fmt(w.shape)}; got ${fmt(spec.shape)}.`);
    }
    if (spec.dtype !== w.dtype) {
      throw new ValueError(`loadLayersModel: weight ${fmt(spec.name)} of ${source} must have dtype ` +
          `${fmt(w.dtype)}; got ${fmt(spec.dtype)}.`);
    }
  }
  const missing = [...expected.keys()].filter((n) => !seen.has(n));
  if (missing.length > 0) {
    throw new ValueError(`loadLayersModel: ${source} must hold every weight of the model; missing ${fmt(missing)}.`);
  }
}

/**
 * Checks the artifacts' weight specs (as the file handler checks a manifest: dtype, shape,
 * quantization), their decoded size against `maxWeightBytes` and the weight data's length, and
 * returns the decoded bytes of the model's (non-optimizer) weights.
 */
function checkWeightData(source: string, artifacts: tf.io.ModelArtifacts, maxWeightBytes: number): number {
  const bad = (what: string): never => {
    throw new ValueError(`loadLayersModel: the weights of ${source} are not valid: ${what}.`);
  };
  if (artifacts.weightSpecs !== undefined && !Array.isArray(artifacts.weightSpecs)) bad('weightSpecs must be a list');
  let stored = 0;
  let decoded = 0;
  let model = 0;
  for (const w of artifacts.weightSpecs ?? []) {
    const spec = checkWeightSpec(w, bad);
    const bytes = weightBytes(spec);
    stored += bytes.stored;
    decoded += bytes.decoded;
    if (spec.group !== 'optimizer') model += bytes.decoded;
  }
  if (!(decoded <= maxWeightBytes)) {
    throw new ValueError(`loadLayersModel: the weights of ${source} would take ${decoded} bytes once ` +
        `decoded; maxWeightBytes allows at most ${maxWeightBytes} (raise the option for a larger model).`);
  }
  if (artifacts.weightData !== undefined) {
    const data = Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData];
    const length = data.reduce((n, b) => n + b.byteLength, 0);
    if (length !== stored) {
      throw new ValueError(`loadLayersModel: the weight data of ${source} has ${length} bytes; its ` +
          `weight specs describe ${stored}.`);
    }
  }
  return model;
}

/**
 * Loads a LayersModel like `tf.loadLayersModel`, but checked: the file's `format` must be
 * `"layers-model"` (and not written by a newer tfjs-layers major version), every weight must match
 * the model built from the topology by name, shape and dtype, and any failure is a `ValueError`
 * (naming the file and the weight or the tfjs message) that leaves no tensors or variables behind.
 * Weights over `options.maxWeightBytes` (default 1 GiB) are refused before they are decoded, and a
 * topology that would create more weight bytes than its manifest describes is refused before the
 * excess is allocated. A string is read with {@link fileSystem} (`file://` or a plain path, Node
 * only) with these options; tfjs's quantized weights (uint8, uint16, float16) are dequantized.
 *
 * @example
 * const model = await tfp.io.loadLayersModel('file:///tmp/my-model/model.json');
 */
export async function loadLayersModel(source: string | tf.io.IOHandler,
    options?: LoadLayersModelOptions): Promise<tfl.LayersModel> {
  const opts = resolveOptions('loadLayersModel', options, ['maxWeightBytes', 'maxModelJsonBytes']);
  const handler = typeof source === 'string' ?
    fileSystem(source, {maxWeightBytes: opts.maxWeightBytes, maxModelJsonBytes: opts.maxModelJsonBytes}) : source;
  const name = typeof source === 'string' ? source : 'the model artifacts';
  if (typeof handler?.load !== 'function') {
    throw new ValueError('loadLayersModel: the IOHandler must have a load method; got none.');
  }
  const artifacts = await handler.load();
  checkFormat(name, artifacts);
  const modelBytes = checkWeightData(name, artifacts, opts.maxWeightBytes);
  const specs = artifacts.weightSpecs ?? [];
  const variablesBefore = new Set(Object.keys(tf.engine().registeredVariables));
  let model: tfl.LayersModel | undefined;
  try {
    // The topology may create at most the weights the file holds (each must match one of them).
    const budget = artifacts.weightData === undefined ?
      {limit: opts.maxWeightBytes, reason: `maxWeightBytes allows at most ${opts.maxWeightBytes}`} :
      {limit: modelBytes, reason: `the weights manifest describes ${modelBytes}`};
    try {
      model = await withWeightBudget({subject: 'the topology', used: 0, ...budget},
          () => tfl.loadLayersModel(tf.io.fromMemory({...artifacts, weightSpecs: undefined, weightData: undefined})));
    } catch (e) {
      throw new ValueError(`loadLayersModel: cannot build the model of ${name}: ${(e as Error).message}`);
    }
    checkWeights(name, model, specs);
    if (artifacts.weightData !== undefined) {
      const built = model;
      tf.tidy(() => {
        const decoded = tf.io.decodeWeights(artifacts.weightData as tf.io.WeightData,
            specs.filter((s) => s.group !== 'optimizer'));
        built.loadWeights(decoded, true);
      });
    }
    return model;
  } catch (e) {
    // Every tensor a failed load keeps is a variable of the partly built model (decoding runs in a
    // tidy): dispose each variable it registered.
    for (const [key, v] of Object.entries(tf.engine().registeredVariables)) {
      if (!variablesBefore.has(key) && !v.isDisposed) v.dispose();
    }
    throw e;
  }
}
