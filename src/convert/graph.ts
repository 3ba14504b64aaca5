// Model surgery shared by tfp.convert: read a tf.LayersModel's config (sequential or functional),
// refuse what cannot be rebuilt faithfully (nested models, shared layers, tied weights, custom
// layers with weights), rebuild a model from an edited config and copy weights layer by layer.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {bayesianLayers} from '../layers/model_utils.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

/** One entry of a model config's `layers` list. */
export interface LayerEntry {
  className: string;
  config: tf.serialization.ConfigDict;
  /** Functional models only: `[[[inboundName, nodeIndex, tensorIndex, kwargs], …], …]`. */
  inboundNodes?: unknown[];
  /** Functional models only. */
  name?: string;
}

/** A model's config, split so that layer entries can be edited. */
export interface ModelSpec {
  kind: 'sequential' | 'functional';
  /** The model config without `layers` (name, inputLayers, outputLayers). */
  rest: tf.serialization.ConfigDict;
  /** `entries[i]` describes `layers[i]`. */
  entries: LayerEntry[];
  /** The source model's layers, in config order. */
  layers: tfl.layers.Layer[];
}

/**
 * tfjs-layers' built-in layer classes (tfjs 4.x); their weights are copied with `setWeights`.
 * Any other class with weights is "custom" and refused, unless it is one of this library's
 * Bayesian layers (serializable by construction).
 */
const TFJS_BUILTIN_LAYERS: ReadonlySet<string> = new Set(['InputLayer', 'ReLU', 'LeakyReLU', 'PReLU', 'ELU',
  'ThresholdedReLU', 'Softmax', 'Conv2D', 'Conv3D', 'Conv2DTranspose', 'Conv3DTranspose', 'SeparableConv2D',
  'Conv1D', 'Cropping2D', 'UpSampling2D', 'DepthwiseConv2D', 'RNN', 'SimpleRNN', 'GRU', 'LSTM',
  'ConvLSTM2D', 'Dropout', 'SpatialDropout1D', 'Dense', 'Flatten', 'Activation', 'RepeatVector', 'Reshape',
  'Permute', 'Masking', 'Embedding', 'Add', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate', 'Dot',
  'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'BatchNormalization', 'LayerNormalization',
  'ZeroPadding2D', 'MaxPooling1D', 'AveragePooling1D', 'MaxPooling2D', 'AveragePooling2D', 'MaxPooling3D',
  'AveragePooling3D', 'GlobalAveragePooling1D', 'GlobalMaxPooling1D', 'GlobalAveragePooling2D',
  'GlobalMaxPooling2D', 'TimeDistributed', 'Bidirectional', 'Rescaling', 'CenterCrop', 'CategoryEncoding',
  'Resizing', 'RandomWidth']);

function isModel(x: unknown): x is tfl.LayersModel {
  return x instanceof tfl.LayersModel;
}

/** `layer "name" (ClassName)`, as messages name a layer. */
export function describeLayer(layer: tfl.layers.Layer): string {
  return `layer ${fmt(layer.name)} (${layer.getClassName()})`;
}

/**
 * Reads the config of `model` and checks that every layer can be rebuilt from it: the model is
 * a built tf.LayersModel; no layer is a nested model, used at more than one node (shared), holds a
 * weight of another layer (tied), or is a custom class with weights. Throws `ValueError` naming
 * the layer otherwise.
 */
export function modelSpec(owner: string, model: unknown): ModelSpec {
  if (!isModel(model)) {
    throw new ValueError(`${owner}: model must be a tf.LayersModel or tf.Sequential; got ${fmt(model)}.`);
  }
  const layers = model.layers;
  if (layers.length === 0 || model.inputs === undefined || model.inputs.length === 0) {
    throw new ValueError(`${owner}: model must be built (give the first layer an inputShape, or build ` +
        `it with tf.model({inputs, outputs})); got model ${fmt(model.name)} with no inputs.`);
  }
  const kind = model instanceof tfl.Sequential ? 'sequential' : 'functional';
  const config = model.getConfig() as {layers?: unknown} & tf.serialization.ConfigDict;
  const raw = Array.isArray(config) ? config : config.layers;
  if (!Array.isArray(raw) || raw.length !== layers.length) {
    throw new ValueError(`${owner}: the config of model ${fmt(model.name)} does not list its ` +
        `${layers.length} layers (got ${fmt(Array.isArray(raw) ? raw.length : raw)}).`);
  }
  const entries = raw as LayerEntry[];
  const rest: tf.serialization.ConfigDict = Array.isArray(config) ? {} : {...config};
  delete rest['layers'];

  const seen = new Set<tfl.layers.Layer>();
  const owners = new Map<unknown, tfl.layers.Layer>();
  layers.forEach((layer, i) => {
    const entry = entries[i] as LayerEntry;
    if (isModel(layer)) {
      throw new ValueError(`${owner}: ${describeLayer(layer)} is a nested model, which is not supported; ` +
          `convert the inner model on its own and rebuild the outer model from it.`);
    }
    const nodes = entry.inboundNodes?.length ?? 1;
    if (seen.has(layer) || nodes > 1) {
      throw new ValueError(`${owner}: ${describeLayer(layer)} is shared (used at ${seen.has(layer) ? 'more than one' : nodes} ` +
          `nodes of the model); a rebuilt model would untie its copies, so shared layers are refused.`);
    }
    seen.add(layer);
    for (const w of layer.weights) {
      const other = owners.get(w);
      if (other !== undefined) {
        throw new ValueError(`${owner}: ${describeLayer(layer)} and ${describeLayer(other)} are weight-tied ` +
            `(both hold the weight ${fmt(w.originalName)}); tied weights cannot be rebuilt, so they are refused.`);
      }
      owners.set(w, layer);
    }
  });
  layers.forEach((layer) => {
    const cls = layer.getClassName();
    const known = TFJS_BUILTIN_LAYERS.has(cls) || bayesianLayers(layer).length > 0;
    if (!known && layer.weights.length > 0) {
      throw new ValueError(`${owner}: ${describeLayer(layer)} is a custom layer with ${layer.weights.length} ` +
          `weight(s), which cannot be converted or copied faithfully; supported: tfjs's built-in layers and ` +
          `this library's Bayesian layers.`);
    }
    const registered = tf.serialization.SerializationMap.getMap().classNameMap[cls];
    if (registered === undefined) {
      throw new ValueError(`${owner}: ${describeLayer(layer)} is not registered with ` +
          `tf.serialization.registerClass, so it cannot be rebuilt from its config.`);
    }
  });
  return {kind, rest, entries, layers};
}

/** The model an (edited) spec describes: `Sequential.fromConfig` or `LayersModel.fromConfig`. */
export function rebuild(spec: ModelSpec, entries: LayerEntry[], rest: tf.serialization.ConfigDict = spec.rest):
    tfl.LayersModel {
  // A cast forced by tfjs's types: fromConfig takes a ConfigDict whose `layers` is a list of dicts.
  const config = {...rest, layers: entries as unknown as tf.serialization.ConfigDictValue};
  return (spec.kind === 'sequential' ?
      tfl.Sequential.fromConfig(tfl.Sequential, config) :
      tfl.LayersModel.fromConfig(tfl.LayersModel, config)) as tfl.LayersModel;
}

/** Copies every weight of `src` into `dst` (same class and config), by position. */
export function copyWeights(src: tfl.layers.Layer, dst: tfl.layers.Layer): void {
  if (src.weights.length === 0) return;
  dst.setWeights(src.getWeights());
}

/** The layer of `model` named `name`; a ValueError (internal) if the rebuilt model lost it. */
export function layerNamed(owner: string, model: tfl.LayersModel, name: string): tfl.layers.Layer {
  const layer = model.layers.find((l) => l.name === name);
  if (layer === undefined) {
    throw new ValueError(`${owner}: the rebuilt model has no layer ${fmt(name)} (internal error).`);
  }
  return layer;
}
