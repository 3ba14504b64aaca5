// Layers used inside another layer: the layer-like callables that DenseVariational and
// KLDivergenceAddLoss accept, and the layers a DistributionLambda's function applies. Their weights
// become weights of the owning layer, so `model.fit` trains them and `model.save` stores them.
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** A layer-like object: a tfjs `Layer` / `LayersModel`, or anything with `apply` and weight lists. */
export interface LayerLikeCallable {
  apply(x: tf.Tensor): unknown;
  readonly trainableWeights: tfl.LayerVariable[];
  readonly nonTrainableWeights: tfl.LayerVariable[];
}

/** True for a {@link LayerLikeCallable} (internal). */
export function isLayerLike(v: unknown): v is LayerLikeCallable {
  return typeof v === 'object' && v !== null && typeof (v as LayerLikeCallable).apply === 'function' &&
      Array.isArray((v as LayerLikeCallable).trainableWeights);
}

/**
 * Makes the weights of `inner` weights of `owner` (each once). tfjs lists a weight whose own
 * `trainable` is false among the non-trainable weights even when it sits in `_trainableWeights`
 * (the only list a subclass can reach), so both kinds go there (internal).
 */
export function adoptWeights(owner: tfl.layers.Layer, inner: LayerLikeCallable): void {
  const owned = new Set(owner.weights);
  const list = (owner as unknown as {_trainableWeights: tfl.LayerVariable[]})._trainableWeights;
  for (const w of [...inner.trainableWeights, ...inner.nonTrainableWeights]) {
    if (!owned.has(w)) {
      list.push(w);
      owned.add(w);
    }
  }
}

/**
 * Runs `fn` and returns, with its result, every tfjs layer whose `apply` was called while it ran
 * (directly or nested). The recording wraps `Layer.prototype.apply` for the duration of the
 * synchronous call only and restores it after, also when `fn` throws (internal).
 */
export function recordAppliedLayers<T>(fn: () => T): {result: T; layers: Set<tfl.layers.Layer>} {
  const proto = tfl.layers.Layer.prototype;
  const original = proto.apply;
  const layers = new Set<tfl.layers.Layer>();
  proto.apply = function recordingApply(this: tfl.layers.Layer, ...args: Parameters<typeof original>) {
    layers.add(this);
    return original.apply(this, args);
  };
  try {
    return {result: fn(), layers};
  } finally {
    proto.apply = original;
  }
}
