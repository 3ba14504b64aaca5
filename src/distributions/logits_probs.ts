// Shared handling of the `{logits} | {probs}` parameterization of Bernoulli, Categorical and
// OneHotCategorical: exactly one must be given; number probabilities must lie in [0, 1].
import * as tf from '@tensorflow/tfjs-core';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

import {checkParam, paramShape, readParam} from './distribution.js';
import type {ParamLike} from './distribution.js';

/**
 * The two ways to give a discrete distribution's parameters: exactly one of them.
 *
 * @example
 * new tfp.distributions.Bernoulli({logits: 0});  // or {probs: 0.5}, never both
 */
export interface LogitsOrProbsArgs {
  /** Unnormalized log-probabilities (log-odds for Bernoulli). */
  logits?: ParamLike;
  /** Probabilities in [0, 1] (for Categorical, along the last axis, summing to 1). */
  probs?: ParamLike;
}

/** Throws a `ValueError` naming `name` if a number (or nested number array) lies outside [0, 1]. */
export function checkProbabilities(owner: string, name: string, p: ParamLike): void {
  if (typeof p === 'number') {
    if (!(p >= 0 && p <= 1)) throw new ValueError(`${owner}: ${name} must be in [0, 1]; got ${fmt(p)}.`);
  } else if (Array.isArray(p)) {
    const flat = (p as unknown[]).flat(4) as number[];
    const bad = flat.find((v) => !(v >= 0 && v <= 1));
    if (bad !== undefined) {
      throw new ValueError(`${owner}: ${name} must be in [0, 1] everywhere; got ${fmt(bad)} in ${fmt(p)}.`);
    }
  }
}

/** The parameter actually given, tagged with its kind. */
export interface LogitsOrProbs {
  kind: 'logits' | 'probs';
  param: ParamLike;
}

/** Checks that exactly one of `logits` / `probs` is given (and probs numbers lie in [0, 1]). */
export function parseLogitsOrProbs(owner: string, args: LogitsOrProbsArgs, minRank: number): LogitsOrProbs {
  const hasLogits = args.logits !== undefined && args.logits !== null;
  const hasProbs = args.probs !== undefined && args.probs !== null;
  if (hasLogits === hasProbs) {
    throw new ValueError(`${owner}: exactly one of logits and probs must be given; got ` +
        `logits=${fmt(args.logits)} and probs=${fmt(args.probs)}.`);
  }
  const kind = hasLogits ? 'logits' : 'probs';
  const param = (hasLogits ? args.logits : args.probs) as ParamLike;
  checkParam(owner, kind, param);
  if (kind === 'probs') checkProbabilities(owner, 'probs', param);
  const shape = paramShape(param);
  if (shape.length < minRank) {
    throw new ValueError(`${owner}: ${kind} must have rank ≥ ${minRank} (the last axis indexes the ` +
        `classes); got shape ${fmt(shape)}.`);
  }
  if (minRank >= 1 && shape[shape.length - 1] === 0) {
    throw new ValueError(`${owner}: ${kind} must have at least one class (last axis ≥ 1); got shape ${fmt(shape)}.`);
  }
  return {kind, param};
}

/** Reads the given parameter as a tensor. */
export function readGiven(p: LogitsOrProbs): tf.Tensor {
  return readParam(p.param);
}
