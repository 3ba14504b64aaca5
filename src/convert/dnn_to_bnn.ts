// DNN → BNN: a trained tf.LayersModel rebuilt with its Dense / Conv1D / Conv2D / Conv3D / LSTM / GRU /
// SimpleRNN layers replaced
// by this library's variational layers, initialised by MOPED from the trained weights.
// Port of bayesian_torch/models/dnn_to_bnn.py (dnn_to_bnn with moped_enable) for tfjs models.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import {defaultMeanFieldNormalFn, defaultMultivariateNormalFn, klDivergenceFn} from '../layers/default_fns.js';
import {serializedFormOf} from '../layers/fn_registry.js';
import type {SerializedFn} from '../layers/fn_registry.js';
import type {Estimator} from '../layers/variational_layer.js';
import {bayesianLayers} from '../layers/model_utils.js';
// Registers the dense and convolutional variational classes that the rebuilt config names.
import '../layers/dense_variational.js';
import '../layers/conv_variational.js';
import '../layers/recurrent_variational.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {checkArgsObject, checkKeys} from '../util/keys.js';
import {checkSeed} from '../util/seed.js';

import {copyWeights, describeLayer, layerNamed, modelSpec, rebuild} from './graph.js';
import type {LayerEntry} from './graph.js';
import {checkDelta, mopedPriorFn, mopedScale, tensorOf, untransformedScale} from './moped.js';

/** Which layers {@link dnnToBnn} converts: a predicate over the convertible layers, or the last k of them. */
export type LayerSelection = ((layer: tfl.layers.Layer, index: number) => boolean) | {lastK: number};

/** Options of {@link dnnToBnn}. */
export interface DnnToBnnArgs {
  /** The estimator of every converted layer. Default `'flipout'`. */
  estimator?: Estimator;
  /**
   * MOPED initialisation: posterior loc = the trained weight, posterior scale σ = δ·|w| (floored at
   * {@link MOPED_SCALE_FLOOR}). Default `{delta: 0.1}`. `false`: the layers' own fresh initialisers
   * (bayesian-torch's `moped_enable: False`: only the architecture is kept).
   */
  moped?: {delta?: number} | false;
  /**
   * The kernel prior: `'moped'` (default with MOPED), a Normal centred on the trained weights; or
   * `'standardNormal'`, N(0, 1) (the layers' default; the default without MOPED).
   */
  prior?: 'moped' | 'standardNormal';
  /**
   * Scale of the `'moped'` prior: a number (default 1, bayesian-torch's MOPED example:
   * `prior_weight_mu = w`, σ_prior = `prior_variance` = 1), or `'delta'` for δ·|w| per weight (the prior
   * equals the initial posterior, so the KL starts at 0; floored as the posterior).
   */
  priorScale?: number | 'delta';
  /**
   * The bias: `'pointEstimate'` (default; TFP's default, a Deterministic at the trained bias with no
   * KL) or `'bayesian'` (a mean-field Normal with MOPED scale and the kernel's kind of prior, as
   * bayesian-torch does).
   */
  bias?: 'pointEstimate' | 'bayesian';
  /**
   * Which Dense / Conv / recurrent layers to convert: `(layer, index) => boolean` (index in `model.layers`;
   * asked only for convertible layers) or `{lastK}`, the last k of them in layer order. Default: all.
   */
  layers?: LayerSelection;
  /** Base seed; the i-th converted layer gets `seed + i`. Default unseeded. */
  seed?: number;
  /**
   * Training examples N: sets `klWeight = 1/N` on every converted layer, so that `model.fit`
   * minimises the per-example negative ELBO (as `tfp.layers.scaleKLByExamples`). Default: klWeight 1.
   */
  numExamples?: number;
}

const OWNER = 'dnnToBnn';
const ESTIMATORS: readonly Estimator[] = ['reparameterization', 'flipout', 'localReparameterization'];
const SUFFIX: Readonly<Record<Estimator, string>> = {reparameterization: 'Reparameterization', flipout: 'Flipout',
  localReparameterization: 'LocalReparameterization'};
const RECURRENT: ReadonlySet<string> = new Set(['LSTM', 'GRU', 'SimpleRNN']);
const CONVERTIBLE: ReadonlySet<string> = new Set(['Dense', 'Conv1D', 'Conv2D', 'Conv3D', ...RECURRENT]);
/** The parameters of a converted layer, in the source layer's weight order. */
type Part = 'kernel' | 'recurrentKernel' | 'bias';

interface Options {
  estimator: Estimator;
  delta: number | null;
  prior: 'moped' | 'standardNormal';
  priorScale: number | 'delta';
  bayesianBias: boolean;
  select: LayerSelection | undefined;
  seed: number | undefined;
  klWeight: number;
}

function oneOf<T extends string>(arg: string, value: unknown, valid: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(valid as readonly unknown[]).includes(value)) {
    throw new ValueError(`${OWNER}: ${arg} must be one of ${valid.map((v) => fmt(v)).join(', ')}; got ${fmt(value)}.`);
  }
  return value as T;
}

function checkOptions(args: DnnToBnnArgs): Options {
  checkArgsObject(OWNER, args);
  checkKeys(OWNER, args, {own: ['estimator', 'moped', 'prior', 'priorScale', 'bias', 'layers', 'seed', 'numExamples']});
  const estimator = oneOf('estimator', args.estimator, ESTIMATORS, 'flipout');
  let delta: number | null;
  if (args.moped === false) {
    delta = null;
  } else {
    const moped = args.moped ?? {};
    checkArgsObject(OWNER, moped, 'moped');
    checkKeys(`${OWNER}: moped`, moped, {own: ['delta']});
    delta = checkDelta(OWNER, moped.delta ?? 0.1);
  }
  const prior = oneOf('prior', args.prior, ['moped', 'standardNormal'] as const, delta === null ? 'standardNormal' : 'moped');
  if (prior === 'moped' && delta === null) {
    throw new ValueError(`${OWNER}: prior "moped" needs the MOPED initialisation (moped: {delta}); got moped: false.`);
  }
  const priorScale = args.priorScale ?? 1;
  if (priorScale !== 'delta' && (typeof priorScale !== 'number' || !Number.isFinite(priorScale) || priorScale <= 0)) {
    throw new ValueError(`${OWNER}: priorScale must be a finite number > 0 or "delta"; got ${fmt(args.priorScale)}.`);
  }
  const bias = oneOf('bias', args.bias, ['pointEstimate', 'bayesian'] as const, 'pointEstimate');
  const select = args.layers;
  if (select !== undefined && typeof select !== 'function') {
    const k = (select as {lastK?: unknown}).lastK;
    if (typeof select !== 'object' || select === null || typeof k !== 'number' || !Number.isSafeInteger(k) || k < 0) {
      throw new ValueError(`${OWNER}: layers must be a function (layer, index) => boolean or {lastK} with an ` +
          `integer lastK ≥ 0; got ${fmt(select)}.`);
    }
  }
  const seed = checkSeed(OWNER, args.seed);
  let klWeight = 1;
  if (args.numExamples !== undefined) {
    const n = args.numExamples;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
      throw new ValueError(`${OWNER}: numExamples must be a positive integer; got ${fmt(n)}.`);
    }
    klWeight = 1 / n;
  }
  return {estimator, delta, prior, priorScale, bayesianBias: bias === 'bayesian', select, seed, klWeight};
}

function serialized(fn: Parameters<typeof serializedFormOf>[0]): SerializedFn {
  return serializedFormOf(fn) as SerializedFn;
}

/** The variational layer's config for a Dense / Conv config, in this library's argument names. */
function variationalEntry(entry: LayerEntry, opts: Options, seed: number | undefined): LayerEntry {
  const c = entry.config;
  const cls = entry.className;
  const name = c['name'] as string;
  const owner = `${OWNER}: layer ${fmt(name)} (${cls})`;
  const useBias = c['useBias'] !== false;
  const posterior = serialized(defaultMeanFieldNormalFn());
  const prior = opts.prior === 'standardNormal' ? serialized(defaultMultivariateNormalFn) :
      serialized(mopedPriorFn({scale: opts.priorScale === 'delta' ? null : opts.priorScale}));
  const config: tf.serialization.ConfigDict = {
    name,
    trainable: c['trainable'] ?? true,
    activation: c['activation'] ?? 'linear',
    activityRegularizer: c['activityRegularizer'] ?? null,
    kernelPosteriorFn: posterior as unknown as tf.serialization.ConfigDictValue,
    kernelPriorFn: prior as unknown as tf.serialization.ConfigDictValue,
    kernelDivergenceFn: serialized(klDivergenceFn()) as unknown as tf.serialization.ConfigDictValue,
    biasPosteriorFn: (!useBias ? null : opts.bayesianBias ? posterior :
        serialized(defaultMeanFieldNormalFn({isSingular: true}))) as unknown as tf.serialization.ConfigDictValue,
    biasPriorFn: (useBias && opts.bayesianBias ? prior : null) as unknown as tf.serialization.ConfigDictValue,
    seed: seed ?? null,
  };
  if (opts.klWeight !== 1) config['klWeight'] = opts.klWeight;
  for (const key of ['batchInputShape', 'dtype'] as const) if (c[key] !== undefined && c[key] !== null) config[key] = c[key];
  let className: string;
  if (RECURRENT.has(cls)) {
    if (opts.estimator === 'localReparameterization') {
      throw new ValueError(`${owner}: recurrent layers convert with estimator "reparameterization" or "flipout"; ` +
          `got "localReparameterization" (choose the layers with the layers option to convert the others).`);
    }
    for (const key of ['dropout', 'recurrentDropout'] as const) {
      if (typeof c[key] === 'number' && (c[key] as number) > 0) {
        throw new ValueError(`${owner}: ${key} must be 0 to convert (the Bayesian recurrent layers have no dropout); ` +
            `got ${fmt(c[key])}.`);
      }
    }
    className = `${cls}${SUFFIX[opts.estimator]}`;
    for (const key of ['units', 'recurrentActivation', 'useBias', 'returnSequences', 'returnState', 'goBackwards',
      'stateful', 'unroll'] as const) {
      if (c[key] !== undefined && c[key] !== null && !(cls === 'SimpleRNN' && key === 'recurrentActivation')) config[key] = c[key];
    }
    config['recurrentKernelPosteriorFn'] = posterior as unknown as tf.serialization.ConfigDictValue;
    config['recurrentKernelPriorFn'] = prior as unknown as tf.serialization.ConfigDictValue;
    config['recurrentKernelDivergenceFn'] = config['kernelDivergenceFn'] as tf.serialization.ConfigDictValue;
    delete config['activityRegularizer'];
  } else if (cls === 'Dense') {
    className = `Dense${SUFFIX[opts.estimator]}`;
    config['units'] = c['units'] as number;
  } else {
    const padding = c['padding'];
    if (padding !== 'valid' && padding !== 'same') {
      throw new ValueError(`${owner}: padding must be "valid" or "same" to convert; got ${fmt(padding)}.`);
    }
    className = `${cls}${SUFFIX[opts.estimator]}`;
    Object.assign(config, {filters: c['filters'], kernelSize: c['kernelSize'], strides: c['strides'] ?? 1,
      padding, dataFormat: c['dataFormat'] ?? 'channelsLast', dilationRate: c['dilationRate'] ?? 1});
  }
  const out: LayerEntry = {className, config};
  if (entry.name !== undefined) out.name = entry.name;
  if (entry.inboundNodes !== undefined) out.inboundNodes = entry.inboundNodes;
  return out;
}

/** The weight of `layer` whose original name ends in `/<suffix>`. */
function weightNamed(layer: tfl.layers.Layer, suffix: string): tfl.LayerVariable | undefined {
  return layer.weights.find((w) => w.originalName === `${layer.name}/${suffix}` ||
      w.originalName.endsWith(`/${suffix}`));
}

function write(layer: tfl.layers.Layer, suffix: string, value: tf.Tensor): void {
  const v = weightNamed(layer, suffix);
  if (v === undefined) {
    throw new ValueError(`${OWNER}: ${describeLayer(layer)} has no weight ${fmt(suffix)} (internal error).`);
  }
  v.write(value);
}

/** Writes MOPED's posterior (and prior) of one parameter from the trained values. */
function writeMoped(layer: tfl.layers.Layer, which: Part, trained: tf.Tensor, opts: Options,
    bayesian: boolean): void {
  tf.tidy(() => {
    write(layer, `${which}_posterior_loc`, trained);
    if (!bayesian) return;
    const w = trained.dataSync();
    const sigma = mopedScale(w, opts.delta as number);
    write(layer, `${which}_posterior_untransformed_scale`, tf.tensor(untransformedScale(sigma), trained.shape));
    if (opts.prior === 'moped') {
      write(layer, `${which}_prior_loc`, trained);
      if (opts.priorScale === 'delta') write(layer, `${which}_prior_scale`, tensorOf(sigma, trained.shape));
    }
  });
}

/** The convertible layers to convert, by index in `layers`. */
function selected(layers: tfl.layers.Layer[], select: LayerSelection | undefined): Set<number> {
  const candidates = layers.map((l, i) => [l, i] as const).filter(([l]) => CONVERTIBLE.has(l.getClassName()));
  if (select === undefined) return new Set(candidates.map(([, i]) => i));
  if (typeof select === 'function') {
    return new Set(candidates.filter(([l, i]) => {
      const keep = select(l, i);
      if (typeof keep !== 'boolean') {
        throw new ValueError(`${OWNER}: layers(layer, index) must return a boolean; got ${fmt(keep)} for ` +
            `${describeLayer(l)}.`);
      }
      return keep;
    }).map(([, i]) => i));
  }
  return new Set(candidates.slice(Math.max(0, candidates.length - select.lastK)).map(([, i]) => i));
}

/**
 * Converts a trained tf.LayersModel (sequential or functional) to a Bayesian one: a NEW model of the
 * same topology in which each chosen Dense / Conv1D / Conv2D / Conv3D layer becomes this library's
 * variational layer of the same config (units / filters, kernelSize, strides, padding, dataFormat,
 * dilationRate, activation, useBias, activityRegularizer) with the chosen estimator, each chosen
 * LSTM / GRU / SimpleRNN its Bayesian recurrent layer (kernel and recurrent kernel both variational;
 * units, activations, returnSequences, returnState, goBackwards, stateful), and every other layer
 * is rebuilt from its config with its weights copied. The source model is not changed.
 *
 * MOPED (default): posterior loc = the trained kernel (exactly), σ = δ·|w|; the prior is Normal(w,
 * priorScale) with w stored as a non-trainable weight (so it saves), or N(0, 1). The result is not
 * compiled; compile it and fine-tune with `model.fit` (pass `numExamples`, or call
 * `tfp.layers.scaleKLByExamples`, for the per-example ELBO). It saves and loads like any model of
 * this library (every function it uses is registered).
 *
 * Refused with a `ValueError` naming the layer: nested models, shared layers (used at more than one
 * node), weight-tied layers, custom layers with weights, Conv1D with causal padding, recurrent layers
 * with dropout or with the local-reparameterization estimator (which only dense and conv layers have).
 *
 * Porting note: bayesian-torch's `dnn_to_bnn` keeps the prior N(prior_mu, prior_sigma) and makes the
 * bias Bayesian; here the default prior is centred on the trained weights (bayesian-torch's MOPED
 * example) and the bias is a point estimate (TFP's default) unless `bias: 'bayesian'`. Kernel / bias
 * regularizers and constraints of the source are dropped: the KL term takes the regularizer's place.
 *
 * @example
 * const bnn = tfp.convert.dnnToBnn(trained, {estimator: 'flipout', moped: {delta: 0.1}, numExamples: 8000});
 * bnn.compile({optimizer: tf.train.adam(1e-4), loss: 'categoricalCrossentropy'});
 * await bnn.fit(xTrain, yTrain, {epochs: 2});
 * const probs = tfp.predictive.predictMC(bnn, xTest, {samples: 30});
 */
export function dnnToBnn(model: tfl.LayersModel, args: DnnToBnnArgs = {}): tfl.LayersModel {
  const spec = modelSpec(OWNER, model);
  const opts = checkOptions(args);
  const convert = selected(spec.layers, opts.select);
  let k = 0;
  const entries = spec.entries.map((entry, i) => (convert.has(i) ?
    variationalEntry(entry, opts, opts.seed === undefined ? undefined : opts.seed + k++) : entry));
  const rest = {...spec.rest, name: `${String(spec.rest['name'] ?? model.name)}_bnn`};
  const out = rebuild(spec, entries, rest);
  spec.layers.forEach((src, i) => {
    const dst = layerNamed(OWNER, out, src.name);
    if (!convert.has(i)) {
      copyWeights(src, dst);
      return;
    }
    if (bayesianLayers(dst).length !== 1) {
      throw new ValueError(`${OWNER}: ${describeLayer(dst)} was not rebuilt as a variational layer (internal error).`);
    }
    if (opts.delta === null) return;
    const parts: Part[] = RECURRENT.has(src.getClassName()) ? ['kernel', 'recurrentKernel', 'bias'] : ['kernel', 'bias'];
    src.getWeights().forEach((w, k) => {
      const part = parts[k] as Part;
      writeMoped(dst, part, w, opts, part !== 'bias' || opts.bayesianBias);
    });
  });
  return out;
}
