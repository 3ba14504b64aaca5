// Property-based fuzzing (fast-check, fixed seed) of the recurrent and transposed-convolution
// layers: for random valid configurations the output shapes equal tfjs's own layers and every
// value and the KL are finite; random invalid arguments are typed errors naming the argument.
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import {afterAll, describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {ValueError} from '../../src/util/errors.js';
import {testSeed} from '../helpers/oracles.js';

const SEED = testSeed(20261203);
const COUNTS: Record<string, number> = {};
afterAll(() => {
  console.log(`fuzz_new_layers cases: ${JSON.stringify(COUNTS)}`);
});

const RNN = [
  ['lstm', tfp.layers.lstmFlipout, tfp.layers.lstmReparameterization, tf.layers.lstm],
  ['gru', tfp.layers.gruFlipout, tfp.layers.gruReparameterization, tf.layers.gru],
  ['simpleRNN', tfp.layers.simpleRNNFlipout, tfp.layers.simpleRNNReparameterization, tf.layers.simpleRNN],
] as const;

function finite(t: tf.Tensor | tf.Tensor[]): boolean {
  return (Array.isArray(t) ? t : [t]).every((x) => Array.from(x.dataSync()).every(Number.isFinite));
}

describe('fuzz: recurrent layers', () => {
  it('shapes equal tfjs\'s for random units, lengths, features and flags; values and KL finite', () => {
    const arb = fc.record({kind: fc.integer({min: 0, max: 2}), flip: fc.boolean(), units: fc.integer({min: 1, max: 6}),
      batch: fc.integer({min: 1, max: 3}), time: fc.integer({min: 1, max: 5}), features: fc.integer({min: 1, max: 4}),
      returnSequences: fc.boolean(), returnState: fc.boolean(), goBackwards: fc.boolean()});
    fc.assert(fc.property(arb, (c) => {
      COUNTS['rnn valid'] = (COUNTS['rnn valid'] ?? 0) + 1;
      const [, flip, rep, ref] = RNN[c.kind]!;
      const flags = {units: c.units, returnSequences: c.returnSequences, returnState: c.returnState, goBackwards: c.goBackwards};
      tf.tidy(() => {
        const x = tf.randomNormal([c.batch, c.time, c.features], 0, 1, 'float32', 1);
        const ours = (c.flip ? flip : rep)({...flags, seed: 1});
        const want = (ref as (a: object) => tf.layers.Layer)(flags).apply(x) as tf.Tensor | tf.Tensor[];
        const got = ours.apply(x) as tf.Tensor | tf.Tensor[];
        const shapes = (t: tf.Tensor | tf.Tensor[]): number[][] => (Array.isArray(t) ? t : [t]).map((u) => u.shape);
        expect(shapes(got)).toEqual(shapes(want));
        expect(finite(got)).toBe(true);
        expect(Number.isFinite(ours.kl().dataSync()[0])).toBe(true);
        ours.dispose();
      });
    }), {seed: SEED, numRuns: 60});
  });

  it('random bad units and flags are ValueErrors naming the argument', () => {
    const arb = fc.record({kind: fc.integer({min: 0, max: 2}),
      bad: fc.oneof(fc.constant(['units', 0] as const), fc.constant(['units', 2.5] as const), fc.constant(['units', -1] as const),
        fc.constant(['returnSequences', 'yes'] as const), fc.constant(['goBackwards', 1] as const), fc.constant(['klWeight', -1] as const))});
    fc.assert(fc.property(arb, (c) => {
      COUNTS['rnn invalid'] = (COUNTS['rnn invalid'] ?? 0) + 1;
      const [, flip] = RNN[c.kind]!;
      const [key, value] = c.bad as readonly [string, unknown];
      const args = {units: 2, [key]: value} as never;
      expect(() => flip(args)).toThrow(ValueError);
      expect(() => flip(args)).toThrow(new RegExp(key));
    }), {seed: SEED, numRuns: 40});
  });
});

describe('fuzz: transposed convolutions', () => {
  it('shapes equal tf.layers.conv2dTranspose for random kernel, stride, padding and format; values and KL finite', () => {
    const arb = fc.record({flip: fc.boolean(), filters: fc.integer({min: 1, max: 4}), k: fc.integer({min: 1, max: 4}),
      s: fc.integer({min: 1, max: 3}), h: fc.integer({min: 1, max: 5}), w: fc.integer({min: 1, max: 5}),
      c: fc.integer({min: 1, max: 3}), same: fc.boolean(), first: fc.boolean()});
    fc.assert(fc.property(arb, (c) => {
      COUNTS['transpose valid'] = (COUNTS['transpose valid'] ?? 0) + 1;
      const args = {filters: c.filters, kernelSize: c.k, strides: c.s, padding: c.same ? 'same' as const : 'valid' as const,
        dataFormat: c.first ? 'channelsFirst' as const : 'channelsLast' as const};
      tf.tidy(() => {
        const shape = c.first ? [2, c.c, c.h, c.w] : [2, c.h, c.w, c.c];
        const x = tf.randomNormal(shape, 0, 1, 'float32', 2);
        const ours = (c.flip ? tfp.layers.conv2dTransposeFlipout : tfp.layers.conv2dTransposeReparameterization)({...args, seed: 2});
        const want = tf.layers.conv2dTranspose(args).apply(x) as tf.Tensor;
        const got = ours.apply(x) as tf.Tensor;
        expect(got.shape).toEqual(want.shape);
        expect(finite(got)).toBe(true);
        expect(Number.isFinite(ours.kl().dataSync()[0])).toBe(true);
        ours.dispose();
      });
    }), {seed: SEED, numRuns: 60});
  });
});
