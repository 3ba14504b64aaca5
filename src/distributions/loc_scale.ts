// The part of Normal and Logistic that is the same: a location and a positive scale, broadcast to
// the batch shape, scalar events, reparameterized; the argument checks and `standardize`.
import * as tf from '@tensorflow/tfjs-core';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {broadcastShapes} from '../util/shape.js';

import {checkParam, checkPositive, Distribution, isMutableParam, paramShape, readParam, toTensor} from './distribution.js';
import type {DistributionArgs, ParamLike, TensorLike} from './distribution.js';

/** Arguments of a location–scale distribution (internal). */
export interface LocScaleArgs extends DistributionArgs {
  loc: ParamLike;
  scale: ParamLike;
}

/**
 * Base of the univariate location–scale families (internal: Normal and Logistic extend it).
 * `validateArgs: true` checks scale > 0 at construction and, for a `tf.Variable` or deferred scale,
 * again whenever it is read.
 */
export abstract class LocScaleDistribution extends Distribution {
  protected readonly locParam: ParamLike;
  protected readonly scaleParam: ParamLike;
  /** validateArgs with a scale that can change after construction: re-checked on every read. */
  private readonly checkScaleOnRead: boolean;
  private cachedBatchShape?: number[];
  private readonly owner: string;

  /** `owner`: the class name, for errors (a subclass's own fields are not set yet here). */
  protected constructor(args: LocScaleArgs, owner: string) {
    super(args, owner, ['loc', 'scale']);
    this.owner = owner;
    checkParam(owner, 'loc', args.loc);
    checkParam(owner, 'scale', args.scale);
    checkPositive(owner, 'scale', args.scale, this.validateArgs);
    if (typeof args.loc !== 'function' && typeof args.scale !== 'function') {
      const [a, b] = [paramShape(args.loc), paramShape(args.scale)];
      try {
        broadcastShapes(a, b);
      } catch {
        throw new ValueError(`${owner}: loc and scale must have broadcastable shapes; got ${fmt(a)} and ${fmt(b)}.`);
      }
    }
    this.locParam = args.loc;
    this.scaleParam = args.scale;
    this.checkScaleOnRead = this.validateArgs && isMutableParam(args.scale);
  }

  /** The location (re-read on every access). */
  get loc(): tf.Tensor {
    return readParam(this.locParam);
  }

  /**
   * The scale (re-read on every access, so deferred scales stay on the gradient tape). With
   * `validateArgs`, a variable or deferred scale is checked here, so every method that uses it
   * refuses a scale ≤ 0 assigned after construction (as TFP asserts a variable's constraint on
   * use); this reads the values synchronously.
   */
  get scale(): tf.Tensor {
    const scale = readParam(this.scaleParam);
    if (this.checkScaleOnRead) checkPositive(this.owner, 'scale', scale, true);
    return scale;
  }

  override get reparameterized(): boolean {
    return true;
  }

  get batchShape(): number[] {
    this.cachedBatchShape ??= broadcastShapes(paramShape(this.locParam), paramShape(this.scaleParam));
    return this.cachedBatchShape.slice();
  }

  get eventShape(): number[] {
    return [];
  }

  /** `x` as a tensor, checked to broadcast against the batch shape (a `ValueError` naming both). */
  protected checkedValue(x: TensorLike, name = 'x'): tf.Tensor {
    const xt = toTensor(x);
    const batch = this.batchShape;
    try {
      broadcastShapes(xt.shape, batch);
    } catch {
      throw new ValueError(`${this.owner}: ${name} must broadcast against batchShape ${fmt(batch)}; ` +
          `got shape ${fmt(xt.shape)}.`);
    }
    return xt;
  }

  /** `z = (x − loc)/scale` for a checked `x`. */
  protected standardize(x: TensorLike): tf.Tensor {
    return tf.div(tf.sub(this.checkedValue(x), this.loc), this.scale);
  }
}
