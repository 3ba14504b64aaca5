// Save → load round trips through tfjs's own model.save / tf.loadLayersModel (file:// in Node via
// tfp.io, and an in-memory handler); model files never name code, only registered functions.
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';

type Case = [string, () => tf.layers.Layer, number[]];
const CASES: Case[] = [
  ['DenseReparameterization', () => tfp.layers.denseReparameterization({units: 3, seed: 1, activation: 'relu'}), [2, 4]],
  ['DenseFlipout', () => tfp.layers.denseFlipout({units: 3, seed: 2,
    kernelDivergenceFn: tfp.layers.util.klDivergenceFn({weight: 1 / 60000})}), [2, 4]],
  ['DenseLocalReparameterization', () => tfp.layers.denseLocalReparameterization({units: 3,
    biasPosteriorFn: tfp.layers.util.defaultMeanFieldNormalFn(), biasPriorFn: tfp.layers.util.defaultMultivariateNormalFn}), [2, 4]],
  ['Conv1DReparameterization', () => tfp.layers.conv1dReparameterization({filters: 2, kernelSize: 3, padding: 'same', dilationRate: 2}), [2, 6, 2]],
  ['Conv2DReparameterization', () => tfp.layers.conv2dReparameterization({filters: 2, kernelSize: [2, 3], strides: 2, dataFormat: 'channelsFirst'}), [2, 1, 5, 5]],
  ['Conv3DReparameterization', () => tfp.layers.conv3dReparameterization({filters: 2, kernelSize: 2}), [1, 3, 3, 3, 1]],
  ['Conv1DFlipout', () => tfp.layers.conv1dFlipout({filters: 2, kernelSize: 2, seed: 3,
    activityRegularizer: tf.regularizers.l2({l2: 0.01})}), [2, 5, 1]],
  ['Conv2DFlipout', () => tfp.layers.conv2dFlipout({filters: 2, kernelSize: 3, padding: 'same', seed: 4,
    kernelPosteriorFn: tfp.layers.util.defaultMeanFieldNormalFn({
      untransformedScaleInitializer: tf.initializers.randomNormal({mean: -9, stddev: 0.1}),
      untransformedScaleConstraint: tf.constraints.maxNorm({maxValue: 1000})})}), [1, 4, 4, 2]],
  ['Conv3DFlipout', () => tfp.layers.conv3dFlipout({filters: 2, kernelSize: 2, padding: 'same'}), [1, 2, 3, 3, 1]],
  ['Conv3DLocalReparameterization', () => tfp.layers.conv3dLocalReparameterization({filters: 2, kernelSize: 2, padding: 'same'}), [1, 2, 3, 3, 1]],
  ['Conv1DLocalReparameterization', () => tfp.layers.conv1dLocalReparameterization({filters: 2, kernelSize: 2, seed: 3,
    activityRegularizer: tf.regularizers.l2({l2: 0.01})}), [2, 5, 1]],
  ['Conv2DLocalReparameterization', () => tfp.layers.conv2dLocalReparameterization({filters: 2, kernelSize: 3, padding: 'same', seed: 4}), [1, 4, 4, 2]],
  ['Conv2DTransposeFlipout', () => tfp.layers.conv2dTransposeFlipout({filters: 2, kernelSize: 3, strides: 2, padding: 'same', outputPadding: 1, seed: 5}), [1, 3, 3, 2]],
  ['Conv1DTransposeReparameterization', () => tfp.layers.conv1dTransposeReparameterization({filters: 2, kernelSize: 2, dataFormat: 'channelsFirst'}), [1, 2, 4]],
];

function model(layer: tf.layers.Layer, shape: number[]): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.inputLayer({inputShape: shape.slice(1)}));
  m.add(layer);
  return m;
}

function variational(m: tf.LayersModel): tfp.layers.VariationalLayer {
  return tfp.layers.variationalLayers(m)[0] as tfp.layers.VariationalLayer;
}

async function memoryRoundTrip(m: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await m.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
  }));
  return tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
}

async function fileRoundTrip(m: tf.LayersModel): Promise<tf.LayersModel> {
  const dir = mkdtempSync(join(tmpdir(), 'tfp-ser-'));
  await m.save(`file://${dir}`);
  return tf.loadLayersModel(`file://${join(dir, 'model.json')}`);
}

describe('save → load round trips', () => {
  for (const [name, make, shape] of CASES) {
    for (const [how, roundTrip] of [['in-memory', memoryRoundTrip], ['file://', fileRoundTrip]] as const) {
      it(`${name} (${how}): identical posterior parameters, config and posterior-mean outputs`, async () => {
        const m = model(make(), shape);
        const x = tf.randomNormal(shape, 0, 1, 'float32', 9);
        const before = tfp.layers.withPosteriorMean(m, () => (m.predict(x) as tf.Tensor).dataSync());
        const loaded = await roundTrip(m);
        const [original, copy] = [variational(m), variational(loaded)];
        expect(copy?.getClassName()).toBe(name);
        const json = (c: unknown): unknown => JSON.parse(JSON.stringify(c, (_k, v: unknown) => v ?? null));
        expect(json(copy?.getConfig())).toEqual(json(original?.getConfig()));
        const w0 = m.getWeights();
        const w1 = loaded.getWeights();
        expect(w1.length).toBe(w0.length);
        w0.forEach((w, i) => expect(Array.from(w1[i]!.dataSync())).toEqual(Array.from(w.dataSync())));
        const after = tfp.layers.withPosteriorMean(loaded, () => (loaded.predict(x) as tf.Tensor).dataSync());
        expect(Array.from(after)).toEqual(Array.from(before));
        expect(copy?.kl().dataSync()[0]).toBeCloseTo(original!.kl().dataSync()[0]!, 5);
      });
    }
  }

  it('a layer with an unregistered closure fails at save time, naming the layer and argument', async () => {
    const m = model(tfp.layers.denseFlipout({units: 2, name: 'head',
      kernelDivergenceFn: (q, p) => tf.div(tfp.distributions.klDivergence(q, p), 100)}), [1, 3]);
    await expect(m.save(tf.io.withSaveHandler(async () => ({modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}}))))
        .rejects.toThrowError(/DenseFlipout "head": kernelDivergenceFn is a custom function.*cannot be serialized/);
  });

  it('a user fn registered by name round-trips', async () => {
    tfp.layers.util.registerFn('HalfKL', () => tfp.layers.util.describeFn(
        (q: tfp.distributions.Distribution, p: tfp.distributions.Distribution) =>
          tf.mul(tfp.distributions.klDivergence(q, p), 0.5), 'HalfKL'));
    const halfKL = tfp.layers.util.resolveFn('test', 'fn', {className: 'HalfKL', config: {}}, null);
    const m = model(tfp.layers.denseReparameterization({units: 2,
      kernelDivergenceFn: halfKL as tfp.layers.util.DivergenceFn}), [1, 3]);
    const loaded = await memoryRoundTrip(m);
    const [a, b] = [variational(m), variational(loaded)];
    expect(b!.kl().dataSync()[0]).toBeCloseTo(a!.kl().dataSync()[0]!, 5);
  });

  it('a model file naming an unknown function is refused by name, and nothing is evaluated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfp-hostile-'));
    await model(tfp.layers.denseFlipout({units: 2}), [1, 3]).save(`file://${dir}`);
    const file = join(dir, 'model.json');
    const text = readFileSync(file, 'utf8');
    for (const hostile of ['globalThis.process.exit(3)', 'constructor', '__proto__']) {
      writeFileSync(file, text.replace('"class_name":"KLDivergence"', `"class_name":${JSON.stringify(hostile)}`));
      await expect(tf.loadLayersModel(`file://${file}`)).rejects.toThrowError(/kernelDivergenceFn names an unregistered function/);
    }
  });

  it('a truncated weights file is a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfp-trunc-'));
    await model(tfp.layers.denseFlipout({units: 2}), [1, 3]).save(`file://${dir}`);
    // tfp.io names a versioned weights file in model.json (weights.<uuid>.bin).
    const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {weightsManifest: Array<{paths: string[]}>};
    const bin = join(dir, manifest.weightsManifest[0]!.paths[0]!);
    writeFileSync(bin, readFileSync(bin).subarray(0, 7));
    await expect(tf.loadLayersModel(`file://${join(dir, 'model.json')}`)).rejects.toThrowError(/7 bytes/);
  });
});
