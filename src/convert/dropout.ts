// Dropout insertion: a trained tf.LayersModel rebuilt with tf.layers.dropout after chosen layers, for
// MC dropout (tfp.predictive.predictMCDropout) on a model that was trained without dropout.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {checkArgsObject, checkKeys} from '../util/keys.js';

import {copyWeights, describeLayer, layerNamed, modelSpec, rebuild} from './graph.js';
import type {LayerEntry} from './graph.js';

/** Options of {@link insertDropout}. */
export interface InsertDropoutArgs {
  /** Dropout rate p in [0, 1): the fraction of units zeroed (survivors are scaled by 1/(1 − p)). */
  rate: number;
  /**
   * After which layers to insert dropout, `(layer, index) => boolean` with `index` in `model.layers`.
   * Default: every Dense / Conv1D / Conv2D / Conv3D layer that is not an output of the model (Gal &
   * Ghahramani's dropout before each weight layer, except the input).
   */
  after?: (layer: tfl.layers.Layer, index: number) => boolean;
}

const OWNER = 'insertDropout';
const WEIGHT_LAYERS: ReadonlySet<string> = new Set(['Dense', 'Conv1D', 'Conv2D', 'Conv3D']);

type NodeRef = [string, number, number, tf.serialization.ConfigDict?];

/** A fresh layer name `base`, `base_1`, … not in `taken` (and then taken). */
function freshName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

/**
 * Returns a NEW model equal to `model` with a `tf.layers.dropout({rate})` layer (named
 * `<layer>_dropout`) after each chosen layer; every layer's weights are copied. At inference the
 * dropout layers are identities, so `predict` is unchanged; `tfp.predictive.predictMCDropout`
 * keeps them active. The result is not compiled. Refuses what {@link dnnToBnn} refuses (shared,
 * tied, nested and custom weighted layers), and layers with more than one output.
 *
 * @example
 * const withDropout = tfp.convert.insertDropout(trained, {rate: 0.1});
 * const probs = tfp.predictive.predictMCDropout(withDropout, xTest, {samples: 30});
 */
export function insertDropout(model: tfl.LayersModel, args: InsertDropoutArgs): tfl.LayersModel {
  const spec = modelSpec(OWNER, model);
  checkArgsObject(OWNER, args);
  checkKeys(OWNER, args, {own: ['rate', 'after']});
  const rate = args.rate;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate >= 1) {
    throw new ValueError(`${OWNER}: rate must be a number in [0, 1); got ${fmt(rate)}.`);
  }
  if (args.after !== undefined && typeof args.after !== 'function') {
    throw new ValueError(`${OWNER}: after must be a function (layer, index) => boolean; got ${fmt(args.after)}.`);
  }
  const outputs = new Set(spec.kind === 'sequential' ? [spec.layers[spec.layers.length - 1]?.name] :
      model.outputLayers.map((l) => l.name));
  const after = args.after ?? ((l: tfl.layers.Layer) => WEIGHT_LAYERS.has(l.getClassName()) && !outputs.has(l.name));
  const taken = new Set(spec.layers.map((l) => l.name));
  const chosen = new Map<string, string>();   // layer name → its dropout layer's name
  spec.layers.forEach((layer, i) => {
    const keep = after(layer, i);
    if (typeof keep !== 'boolean') {
      throw new ValueError(`${OWNER}: after(layer, index) must return a boolean; got ${fmt(keep)} for ${describeLayer(layer)}.`);
    }
    if (!keep) return;
    if (layer.getClassName() === 'InputLayer' && spec.kind === 'sequential') {
      throw new ValueError(`${OWNER}: cannot insert dropout after ${describeLayer(layer)} of a Sequential model ` +
          `(put a dropout layer first instead).`);
    }
    const node = layer.inboundNodes[0];
    if (node !== undefined && node.outputTensors.length !== 1) {
      throw new ValueError(`${OWNER}: ${describeLayer(layer)} has ${node.outputTensors.length} outputs; dropout ` +
          `can only follow a layer with one output.`);
    }
    chosen.set(layer.name, freshName(`${layer.name}_dropout`, taken));
  });
  const dropoutEntry = (name: string, source: string): LayerEntry => {
    const entry: LayerEntry = {className: 'Dropout', config: {rate, name, trainable: true}};
    if (spec.kind === 'functional') {
      entry.name = name;
      entry.inboundNodes = [[[source, 0, 0, {}]]];
    }
    return entry;
  };
  // Consumers of a chosen layer read its dropout layer instead.
  const rewire = (ref: NodeRef): NodeRef => {
    const d = chosen.get(ref[0]);
    return d === undefined ? ref : [d, 0, 0, ...(ref.length > 3 ? [ref[3]] : [])] as NodeRef;
  };
  const entries: LayerEntry[] = [];
  for (const entry of spec.entries) {
    const e: LayerEntry = {...entry};
    if (e.inboundNodes !== undefined) {
      e.inboundNodes = (e.inboundNodes as NodeRef[][]).map((node) => node.map(rewire));
    }
    entries.push(e);
    const name = (entry.config['name'] as string | undefined) ?? entry.name;
    const d = name === undefined ? undefined : chosen.get(name);
    if (d !== undefined) entries.push(dropoutEntry(d, name as string));
  }
  const rest = {...spec.rest};
  if (spec.kind === 'functional') {
    rest['outputLayers'] = (spec.rest['outputLayers'] as unknown as NodeRef[]).map(
        (ref) => rewire(ref).slice(0, 3)) as unknown as tf.serialization.ConfigDictValue;
  }
  const out = rebuild(spec, entries, rest);
  for (const src of spec.layers) copyWeights(src, layerNamed(OWNER, out, src.name));
  return out;
}
