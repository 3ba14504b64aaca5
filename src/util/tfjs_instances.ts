// One copy of tfjs-core per process, checked when the package is imported. Two copies (e.g. the
// app's @tensorflow/tfjs 4.0 with its tfjs-core beside a newer one that npm installed for this
// package, under --legacy-peer-deps) share tfjs's global engine but not its classes, and the first
// `model.fit` then dies deep inside tfjs ("Argument 'x' passed to 'cast' must be a Tensor … but got
// 'SymbolicTensor'"). The engine and its Environment are created by whichever copy loads first;
// if that was not the copy this package imports, its Environment is not an instance of ours.
import * as tf from '@tensorflow/tfjs-core';

/** Two copies of tfjs-core (or tfjs-layers) are loaded; this package and the app use different ones. */
export class TfjsInstanceError extends Error {
  /** Always `'TfjsInstanceError'`. */
  override name = 'TfjsInstanceError';
}

/** Throws {@link TfjsInstanceError} when the global tfjs engine belongs to another copy of tfjs-core. */
export function checkOneTfjsCore(): void {
  const env = tf.env();
  if (env instanceof tf.Environment) return;
  const theirs = (globalThis as {_tfengine?: {ENV?: unknown}})._tfengine;
  throw new TfjsInstanceError(
      `tfjs-probability: @tensorflow/tfjs-core must be installed once; got two copies: this package ` +
      `imports tfjs-core ${tf.version_core}, and the tfjs engine already running belongs to another copy` +
      `${theirs === undefined ? '' : ' (the one your app imported first)'}. Install versions that share one ` +
      `tfjs-core: \`npm ls @tensorflow/tfjs-core\` shows the copies; this package needs ^4.22.0 ` +
      '(npm refuses an older @tensorflow/tfjs unless --legacy-peer-deps or --force was used).');
}
