// tapeMemo: one computation per gradient tape, same gradients as recomputing every time. Expected
// gradients are closed forms: d/du Σ k·softplus(u) = k·sigmoid(u).
import * as tf from '@tensorflow/tfjs';
import {afterEach, beforeAll, describe, expect, it} from 'vitest';

import {tapeMemo} from '../../src/util/tape_memo.js';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
const U = [-3, -0.5, 0, 2.5];

describe('tapeMemo', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  let u: tf.Variable;
  let calls = 0;
  const make = (): (() => tf.Tensor) => tapeMemo(() => {
    calls++;
    return tf.softplus(u);
  }, () => [u]);
  afterEach(() => {
    u?.dispose();
    calls = 0;
  });

  it('computes once per tape and the gradient counts every use (2 reads → 2·sigmoid(u))', () => {
    u = tf.variable(tf.tensor1d(U));
    const scale = make();
    let same = false;
    const {value, grads} = tf.variableGrads(() => {
      const a = scale();
      const b = scale();
      same = a === b;
      return tf.add(tf.sum(a), tf.sum(b)) as tf.Scalar;
    }, [u]);
    expect(same).toBe(true);
    expect(calls).toBe(1);
    const g = Array.from(grads[u.name]!.dataSync());
    g.forEach((v, i) => expect(v).toBeCloseTo(2 * sigmoid(U[i]!), 6));
    expect(value.dataSync()[0]).toBeCloseTo(2 * U.reduce((s, v) => s + Math.log1p(Math.exp(v)), 0), 5);
    tf.dispose([value, ...Object.values(grads)]);
  });

  it('recomputes on a new tape: a later variableGrads(() => kl) alone still gets its gradient', () => {
    u = tf.variable(tf.tensor1d(U));
    const scale = make();
    const first = tf.variableGrads(() => tf.sum(scale()) as tf.Scalar, [u]);
    const second = tf.variableGrads(() => tf.sum(tf.mul(3, scale())) as tf.Scalar, [u]);
    expect(calls).toBe(2);
    const g = Array.from(second.grads[u.name]!.dataSync());
    g.forEach((v, i) => expect(v).toBeCloseTo(3 * sigmoid(U[i]!), 6));
    tf.dispose([first.value, second.value, ...Object.values(first.grads), ...Object.values(second.grads)]);
  });

  it('recomputes after the variable is assigned within the same tape', () => {
    u = tf.variable(tf.tensor1d(U));
    const scale = make();
    let after: number[] = [];
    const {value, grads} = tf.variableGrads(() => {
      const a = scale();
      u.assign(tf.zeros([4]));
      after = Array.from(scale().dataSync());
      return tf.sum(a) as tf.Scalar;
    }, [u]);
    expect(calls).toBe(2);
    after.forEach((v) => expect(v).toBeCloseTo(Math.log(2), 6));
    tf.dispose([value, ...Object.values(grads)]);
  });

  it('outside a tape every call is a fresh tensor the caller may dispose; no tensors leak', () => {
    u = tf.variable(tf.tensor1d(U));
    const scale = make();
    const before = tf.memory().numTensors;
    const a = scale();
    const b = scale();
    expect(a).not.toBe(b);
    a.dispose();
    expect(b.dataSync()[0]).toBeCloseTo(Math.log1p(Math.exp(-3)), 6);
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('survives inner tf.tidy scopes (a model call is one) and is disposed when the gradient is done', () => {
    u = tf.variable(tf.tensor1d(U));
    const scale = make();
    const before = tf.memory().numTensors;
    const {value, grads} = tf.variableGrads(() => {
      const s = tf.tidy(() => tf.sum(scale()));      // made inside a scope that ends here
      return tf.add(s, tf.sum(scale())) as tf.Scalar;
    }, [u]);
    expect(calls).toBe(1);
    const g = Array.from(grads[u.name]!.dataSync());
    g.forEach((v, i) => expect(v).toBeCloseTo(2 * sigmoid(U[i]!), 6));
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps numTensors flat over repeated optimizer steps', () => {
    u = tf.variable(tf.tensor1d(U));
    const scale = make();
    const opt = tf.train.adam(0.01);
    const step = (): void => {
      opt.minimize(() => tf.add(tf.sum(tf.tidy(() => tf.square(scale()))), tf.sum(scale())) as tf.Scalar, true)?.dispose();
    };
    step();
    const settled = tf.memory().numTensors;   // Adam's slots exist now
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(settled);
    expect(calls).toBe(6);                     // once per step
    opt.dispose();
  });
});
