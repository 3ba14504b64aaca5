// tfp.nn Layer and Sequential (NN.md §1–2): name sanitising, variable order, summary() format
// (ORACLES.md §10), Sequential naming/composition/legacy extraLoss, save → load.
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import * as tf from '@tensorflow/tfjs';
import {afterAll, describe, expect, it} from 'vitest';

import {Independent} from '../../src/distributions/independent.js';
import {Normal} from '../../src/distributions/normal.js';
import {
  AffineVariationalFlipout, AffineVariationalReparameterization, Layer, sanitizeName, Sequential,
} from '../../src/nn/index.js';
import {assignFromArtifacts, variablesToArtifacts} from '../../src/nn/layer.js';
import {makeKernelBias} from '../../src/nn/util.js';
import {InvalidArgumentError, ValueError} from '../../src/util/errors.js';
import {expectClose} from '../helpers/oracles.js';

/** TFP's test layer: x ↦ Independent(Normal(x @ kernel + bias, 1), 1), 2 variables. */
class AffineMeanFieldNormal extends Layer {
  readonly className = 'AffineMeanFieldNormal';
  private readonly kernel: tf.Variable;
  private readonly bias: tf.Variable;

  constructor(outputSize: number, inputSize: number) {
    super({}, 'AffineMeanFieldNormal');
    [this.kernel, this.bias] = makeKernelBias([inputSize, outputSize], [outputSize]);
  }

  protected override ownVariables(): tf.Variable[] {
    return [this.kernel, this.bias];
  }

  call(x: tf.Tensor | Independent): Independent {
    // TFP distributions are tensor-coercible (to a sample); here the sample is drawn explicitly.
    const input = x instanceof Independent ? x.sample() : x;
    const loc = tf.add(tf.matMul(input, this.kernel), this.bias);
    return new Independent({distribution: new Normal({loc, scale: 1}), reinterpretedBatchNdims: 1});
  }
}

const reshape3 = (x: tf.Tensor): tf.Tensor => tf.reshape(x, [-1, 3]);
// An anonymous function, like TFP's lambda (its JS name is '').
const anonymous = [(x: tf.Tensor): tf.Tensor => tf.reshape(x, [-1, 3])][0] as (x: tf.Tensor) => tf.Tensor;

describe('sanitizeName', () => {
  it('replaces runs outside [A-Za-z0-9_] by _ and strips leading/trailing _', () => {
    expect(sanitizeName('<lambda>')).toBe('lambda');
    expect(sanitizeName('my layer!!2')).toBe('my_layer_2');
    expect(sanitizeName('__a.b__')).toBe('a_b');
  });
});

describe('Sequential', () => {
  it('TFP test_works_correctly: name, repr, 4 trainable variables, 3 layers, distribution output', () => {
    const model = new Sequential([anonymous, new AffineMeanFieldNormal(5, 3), new AffineMeanFieldNormal(5, 5)]);
    expect(model.trainableVariables).toHaveLength(4);
    expect(model.layers).toHaveLength(3);
    // ORACLES §10.
    expect(String(model)).toBe('<Sequential: name=lambda__AffineMeanFieldNormal_AffineMeanFieldNormal>');
    const y = model.call(tf.zeros([2, 1, 3])) as Independent;
    expect(y).toBeInstanceOf(Independent);
    expect((y.distribution as Normal).loc.shape).toEqual([2, 5]);
  });

  it('summary(): header, one row per variable, last line of ORACLES §10', () => {
    const model = new Sequential([reshape3, new AffineMeanFieldNormal(5, 3), new AffineMeanFieldNormal(2, 5)]);
    const lines = model.summary().split('\n');
    expect(lines[0]).toBe(`=== reshape3_AffineMeanFieldNormal_AffineMeanFieldNormal ${'='.repeat(50)}`);
    expect(lines[1]).toBe(`  SIZE SHAPE                TRAIN NAME${' '.repeat(36)}`);
    expect(lines[2]).toBe(`    15 [3, 5]               True  kernel${' '.repeat(34)}`);
    expect(lines).toHaveLength(2 + 4 + 1);
    expect(lines[lines.length - 1]).toBe('trainable size: 32  /  0.000 MiB  /  {float32: 32}');
  });

  it('empty layers is an InvalidArgumentError', () => {
    expect(() => new Sequential([])).toThrowError(InvalidArgumentError);
    expect(() => new Sequential([])).toThrowError(/layers.*non-empty.*\[\]/);
  });

  it('calling with a callable composes; null is identity; a TypeError retries f(x)', () => {
    let calls = 0;
    const strict = (x: tf.Tensor, ...rest: unknown[]): tf.Tensor => {
      calls += 1;
      if (rest.length > 0 && rest[0] !== undefined) throw new TypeError('unexpected options');
      return tf.mul(x, 2);
    };
    const seq = new Sequential([null, strict]);
    expectClose(seq.call(tf.tensor1d([1, 2])) as tf.Tensor, [2, 4]);
    expect(calls).toBe(2);
    const composed = seq.call(reshape3) as Sequential;
    expect(composed).toBeInstanceOf(Sequential);
    expect(composed.layers).toEqual([reshape3, seq]);
  });

  it('slice keeps name and alsoTrack; at() returns one element', () => {
    const a = new AffineVariationalFlipout(3, 3);
    const seq = new Sequential([reshape3, a], {name: 'net'});
    const s = seq.slice(1);
    expect(s.name).toBe('net');
    expect(s.layers).toEqual([a]);
    expect(seq.at(-1)).toBe(a);
  });

  it('variables: each element in order, alsoTrack after own, duplicates once', () => {
    const a = new AffineVariationalFlipout(3, 4);
    const b = new AffineVariationalReparameterization(4, 2);
    const extra = tf.variable(tf.zeros([1]));
    const seq = new Sequential([a, b, a], {alsoTrack: extra});
    expect(seq.variables).toEqual([extra, ...a.variables, ...b.variables]);
    expect(seq.variables.map((v) => v.shape)).toEqual([[1], [3, 4], [3, 4], [4], [4], [4, 2], [4, 2], [2], [2]]);
  });

  it('legacy extraLoss: sum of the elements’ extraLoss, null without penaltyWeight', () => {
    const a = new AffineVariationalFlipout(3, 4, {penaltyWeight: 0.5, seed: 1});
    const b = new AffineVariationalReparameterization(4, 2, {penaltyWeight: 0.25, seed: 2});
    const seq = new Sequential([a, b]);
    seq.call(tf.ones([2, 3]));
    const sum = (a.extraLoss?.dataSync()[0] as number) + (b.extraLoss?.dataSync()[0] as number);
    expectClose(seq.extraLoss as tf.Tensor, [sum], 1e-3, 1e-5);
    const plain = new Sequential([new AffineVariationalFlipout(3, 4)]);
    plain.call(tf.ones([2, 3]));
    expect(plain.extraLoss).toBeNull();
  });
});

describe('variablesToArtifacts / assignFromArtifacts (the in-memory format)', () => {
  it('round-trips names, shapes, dtypes and values; a count mismatch names the file', () => {
    const a = new AffineVariationalFlipout(2, 3);
    const b = new AffineVariationalFlipout(2, 3);
    const artifacts = variablesToArtifacts(a.variables);
    expect(artifacts.manifest.names).toEqual(
        ['posterior_kernel_loc', 'posterior_kernel_scale', 'posterior_bias_loc', 'posterior_bias_scale']);
    expect(artifacts.manifest.shapes).toEqual([[2, 3], [2, 3], [3], [3]]);
    expect(artifacts.data.byteLength).toBe(4 * (6 + 6 + 3 + 3));
    assignFromArtifacts(b.variables, artifacts, 'mem');
    b.variables.forEach((v, i) => expect(v.dataSync()).toEqual(a.variables[i]?.dataSync()));
    expect(() => assignFromArtifacts(b.variables.slice(1), artifacts, 'mem')).toThrowError(
        'File "mem" has incorrect number of variables (saw: 4, expected: 3).');
  });
});

describe('save / load', () => {
  let dir = '';
  afterAll(async () => {
    if (dir !== '') await rm(dir, {recursive: true, force: true});
  });

  it('save → load gives identical variables and, under the same seed, identical outputs', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tfp-nn-'));
    const make = (): Sequential => new Sequential([
      new AffineVariationalFlipout(3, 4, {seed: 5, activationFn: tf.relu}),
      new AffineVariationalReparameterization(4, 2, {seed: 6}),
    ], {name: 'net'});
    const a = make();
    const b = make();  // different (unseeded glorot) initial locs
    expect(a.variables[0]?.dataSync()).not.toEqual(b.variables[0]?.dataSync());
    const file = join(dir, 'net');
    await a.save(file);
    await b.load(file);
    a.variables.forEach((v, i) => expect(b.variables[i]?.dataSync()).toEqual(v.dataSync()));
    const x = tf.tensor2d([[1, -2, 0.5], [0.3, 0.1, 2]]);
    expect((b.call(x) as tf.Tensor).arraySync()).toEqual((a.call(x) as tf.Tensor).arraySync());
  });

  it('load with a different number of variables is a ValueError', async () => {
    if (dir === '') dir = await mkdtemp(join(tmpdir(), 'tfp-nn-'));
    const file = join(dir, 'one');
    await new AffineVariationalFlipout(3, 4).save(file);
    const two = new Sequential([new AffineVariationalFlipout(3, 4), new AffineVariationalFlipout(4, 4)]);
    await expect(two.load(file)).rejects.toThrowError(ValueError);
    await expect(two.load(file)).rejects.toThrowError(
        /File ".*one\.json" has incorrect number of variables \(saw: 4, expected: 8\)\./);
  });
});
