// tfp.convert.insertDropout: a new model with dropout after the chosen layers, wired in place of
// them; at inference it predicts exactly what the source does (tfjs's own model is the oracle).
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {expectTypedError} from '../helpers/typed_error.js';
import {testSeed} from '../helpers/oracles.js';

function seqNet(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({inputShape: [6, 6, 1], filters: 2, kernelSize: 3, activation: 'relu', name: 'c'}));
  m.add(tf.layers.flatten({name: 'f'}));
  m.add(tf.layers.dense({units: 5, activation: 'relu', name: 'h'}));
  m.add(tf.layers.dense({units: 3, activation: 'softmax', name: 'out'}));
  return m;
}

function funNet(): tf.LayersModel {
  const inp = tf.input({shape: [4], name: 'x'});
  const h = tf.layers.dense({units: 6, activation: 'relu', name: 'h'}).apply(inp) as tf.SymbolicTensor;
  const a = tf.layers.dense({units: 3, name: 'a'}).apply(h) as tf.SymbolicTensor;
  const b = tf.layers.dense({units: 3, name: 'b'}).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.add({name: 'sum'}).apply([a, b]) as tf.SymbolicTensor;
  return tf.model({inputs: inp, outputs: out});
}

describe('insertDropout', () => {
  const seed = testSeed();

  it('sequential: dropout after every Dense / Conv layer except the output; predict is unchanged', () => {
    const src = seqNet();
    const out = tfp.convert.insertDropout(src, {rate: 0.3});
    expect(out.layers.map((l) => `${l.getClassName()}:${l.name}`)).toEqual(
        ['Conv2D:c', 'Dropout:c_dropout', 'Flatten:f', 'Dense:h', 'Dropout:h_dropout', 'Dense:out']);
    expect((out.getLayer('h_dropout') as unknown as {rate: number}).rate).toBe(0.3);
    const x = tf.randomNormal([3, 6, 6, 1], 0, 1, 'float32', seed);
    expect((out.predict(x) as tf.Tensor).arraySync()).toEqual((src.predict(x) as tf.Tensor).arraySync());
  });

  it('functional: the consumers of a chosen layer read its dropout layer; predict is unchanged', () => {
    const src = funNet();
    const out = tfp.convert.insertDropout(src, {rate: 0.5, after: (l) => l.name === 'h' || l.name === 'sum'});
    const a = out.getLayer('a');
    expect(a.inboundNodes[0]!.inboundLayers.map((l) => l.name)).toEqual(['h_dropout']);
    expect(out.getLayer('b').inboundNodes[0]!.inboundLayers.map((l) => l.name)).toEqual(['h_dropout']);
    expect(out.outputLayers.map((l) => l.name)).toEqual(['sum_dropout']);
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', seed);
    expect((out.predict(x) as tf.Tensor).arraySync()).toEqual((src.predict(x) as tf.Tensor).arraySync());
    // And MC dropout now has two dropout layers to switch on.
    expect(tfp.predictive.dropoutLayers(out).map((l) => l.name)).toEqual(['h_dropout', 'sum_dropout']);
  });

  it('gives a fresh name when <layer>_dropout is taken', () => {
    const m = tf.sequential({layers: [tf.layers.dense({inputShape: [2], units: 2, name: 'h'}),
      tf.layers.dense({units: 2, name: 'h_dropout'}), tf.layers.dense({units: 2, name: 'o'})]});
    const out = tfp.convert.insertDropout(m, {rate: 0.1});
    expect(out.layers.map((l) => l.name)).toEqual(['h', 'h_dropout_1', 'h_dropout', 'h_dropout_dropout', 'o']);
  });

  for (const bad of [
    {what: 'rate 1', provoke: () => tfp.convert.insertDropout(seqNet(), {rate: 1}), message: /rate must be a number in \[0, 1\); got 1/},
    {what: 'negative rate', provoke: () => tfp.convert.insertDropout(seqNet(), {rate: -0.1}), message: /rate must be.*got -0.1/},
    {what: 'after returning a non-boolean', provoke: () => tfp.convert.insertDropout(seqNet(), {rate: 0.1, after: (() => 1) as never}),
      message: /after\(layer, index\) must return a boolean; got 1 for layer "c" \(Conv2D\)/},
    {what: 'a shared layer', provoke: () => {
      const inp = tf.input({shape: [3]});
      const d = tf.layers.dense({units: 3, name: 'tw'});
      return tfp.convert.insertDropout(tf.model({inputs: inp, outputs: d.apply(d.apply(inp)) as tf.SymbolicTensor}), {rate: 0.1});
    }, message: /layer "tw" \(Dense\) is shared/},
  ]) {
    it(`refuses ${bad.what}`, () => expectTypedError(bad, 64));
  }
});
