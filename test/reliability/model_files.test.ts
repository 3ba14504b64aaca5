// Model files: save → load round trips for every layer through both paths (file:// via tfp.io and
// in-memory) with tfp.io.loadLayersModel, and hostile files — truncated, corrupted, wrong format or
// version, unknown / "__proto__" / "constructor" class names, weights path traversal, wrong dtype,
// shape mismatch, missing or duplicate weights — which must fail with a typed error and change
// nothing: files untouched, no tensor or variable left behind, no prototype polluted. Loading never
// evaluates code: the src tree has no eval / new Function / data-driven dynamic import.
import {mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, relative} from 'node:path';

import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import {afterAll, describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {ValueError} from '../../src/util/errors.js';
import {testSeed} from '../helpers/oracles.js';

const SEED = testSeed(20261123);
const COUNTS: Record<string, number> = {};
const count = (key: string): void => {
  COUNTS[key] = (COUNTS[key] ?? 0) + 1;
};
afterAll(() => {
  console.log(`model_files cases: ${JSON.stringify(COUNTS)}`);
});

const L = tfp.layers;
type Case = [string, () => tf.layers.Layer[], number[]];
const ROUND_TRIP: Case[] = [
  ['DenseReparameterization', () => [L.denseReparameterization({units: 3, seed: 1, inputShape: [4]})], [2, 4]],
  ['DenseFlipout', () => [L.denseFlipout({units: 3, seed: 2, inputShape: [4]})], [2, 4]],
  ['DenseLocalReparameterization', () => [L.denseLocalReparameterization({units: 3, inputShape: [4]})], [2, 4]],
  ['Conv1DReparameterization', () => [L.conv1dReparameterization({filters: 2, kernelSize: 3, padding: 'same', inputShape: [6, 2]})], [2, 6, 2]],
  ['Conv1DFlipout', () => [L.conv1dFlipout({filters: 2, kernelSize: 2, seed: 3, inputShape: [5, 1]})], [2, 5, 1]],
  ['Conv1DLocalReparameterization', () => [L.conv1dLocalReparameterization({filters: 2, kernelSize: 2, seed: 3, inputShape: [5, 1]})], [2, 5, 1]],
  ['Conv2DReparameterization', () => [L.conv2dReparameterization({filters: 2, kernelSize: 2, dataFormat: 'channelsFirst', inputShape: [1, 4, 4]})], [1, 1, 4, 4]],
  ['Conv2DFlipout', () => [L.conv2dFlipout({filters: 2, kernelSize: 3, padding: 'same', seed: 4, inputShape: [4, 4, 2]})], [1, 4, 4, 2]],
  ['Conv2DLocalReparameterization', () => [L.conv2dLocalReparameterization({filters: 2, kernelSize: 3, padding: 'same', seed: 4, inputShape: [4, 4, 2]})], [1, 4, 4, 2]],
  ['Conv3DReparameterization', () => [L.conv3dReparameterization({filters: 2, kernelSize: 2, inputShape: [3, 3, 3, 1]})], [1, 3, 3, 3, 1]],
  ['Conv3DFlipout', () => [L.conv3dFlipout({filters: 2, kernelSize: 2, padding: 'same', inputShape: [2, 3, 3, 1]})], [1, 2, 3, 3, 1]],
  ['Conv3DLocalReparameterization', () => [L.conv3dLocalReparameterization({filters: 2, kernelSize: 2, padding: 'same', inputShape: [2, 3, 3, 1]})], [1, 2, 3, 3, 1]],
  ['DenseVariational', () => [L.denseVariational({units: 2, makePosteriorFn: L.posteriorMeanField, makePriorFn: L.priorTrainable,
    seed: 5, inputShape: [3]})], [2, 3]],
  ['AutoregressiveNetwork', () => [L.autoregressiveNetwork({params: 2, hiddenUnits: [4], inputShape: [3]} as tfp.layers.AutoregressiveNetworkArgs)], [2, 3]],
  ['IndependentNormal', () => [tf.layers.dense({units: 4, inputShape: [3]}), L.independentNormal({eventShape: 2, convertToTensorFn: 'mean'})], [2, 3]],
];

async function toMemory(m: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await m.save(tf.io.withSaveHandler(async (a) => {
    saved = a;
    return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
  }));
  return saved as tf.io.ModelArtifacts;
}

const weightsOf = (m: tf.LayersModel): number[][] => m.getWeights().map((w) => Array.from(w.dataSync()));

describe('save → load round trips with tfp.io.loadLayersModel', () => {
  for (const [name, make, shape] of ROUND_TRIP) {
    for (const how of ['file://', 'in-memory'] as const) {
      it(`${name} (${how}): same class, weights and posterior-mean output`, async () => {
        const m = tf.sequential({layers: make()});
        const x = tf.randomNormal(shape, 0, 1, 'float32', 11);
        const predict = (model: tf.LayersModel): number[] =>
          L.withPosteriorMean(model, () => Array.from((model.predict(x) as tf.Tensor).dataSync()));
        const before = predict(m);
        let loaded: tf.LayersModel;
        if (how === 'file://') {
          const dir = mkdtempSync(join(tmpdir(), 'tfp-rt-'));
          await m.save(`file://${dir}`);
          loaded = await tfp.io.loadLayersModel(`file://${join(dir, 'model.json')}`);
        } else {
          loaded = await tfp.io.loadLayersModel(tf.io.fromMemory(await toMemory(m)));
        }
        expect(loaded.layers.map((l) => l.getClassName())).toEqual(m.layers.map((l) => l.getClassName()));
        expect(weightsOf(loaded)).toEqual(weightsOf(m));
        if (!['DenseVariational'].includes(name)) expect(predict(loaded)).toEqual(before);
        tf.dispose(x);
        m.dispose();
        loaded.dispose();
      });
    }
  }
});

// ---- Hostile files --------------------------------------------------------------------------

/** The model every hostile case starts from: a Bayesian layer and a plain dense head. */
async function savedModel(): Promise<{json: string; bin: Buffer}> {
  const dir = mkdtempSync(join(tmpdir(), 'tfp-hostile-'));
  const m = tf.sequential({layers: [L.denseFlipout({units: 2, inputShape: [3], seed: 1}), tf.layers.dense({units: 2})]});
  await m.save(`file://${dir}`);
  m.dispose();
  // The save names its weights file weights.<uuid>.bin; the cases below write it as weights.bin.
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Json;
  const bin = readFileSync(join(dir, json.weightsManifest[0]!.paths[0]!));
  json.weightsManifest[0]!.paths = ['./weights.bin'];
  return {json: JSON.stringify(json), bin};
}

type Json = Record<string, unknown> & {modelTopology: {config: {layers: Array<{class_name: string; config: Record<string, unknown>}>}} & Record<string, unknown>;
  weightsManifest: Array<{paths: string[]; weights: Array<{name: string; shape: number[]; dtype: string}>}>};

interface Hostile {
  what: string;
  /** Edits the parsed model.json (or returns replacement text) and may replace weights.bin. */
  edit: (j: Json, bin: Buffer) => {json: Json | string; bin?: Buffer};
  message: RegExp;
}

const layer0 = (j: Json): {class_name: string; config: Record<string, unknown>} => j.modelTopology.config.layers[0]!;
const HOSTILE: Hostile[] = [
  {what: 'empty model.json', edit: () => ({json: ''}), message: /is not valid JSON \(truncated or corrupted\?\)/},
  {what: 'model.json is a list', edit: () => ({json: '[1,2]'}), message: /is not a valid tfjs model\.json: not a JSON object/},
  {what: 'format "graph-model"', edit: (j) => ({json: {...j, format: 'graph-model'}}), message: /format of .* must be "layers-model"; got "graph-model"/},
  {what: 'written by tfjs-layers v99', edit: (j) => ({json: {...j, generatedBy: 'TensorFlow.js tfjs-layers v99.0.0'}}),
    message: /written by a newer tfjs-layers; generatedBy must be tfjs-layers v4 or older; got "TensorFlow\.js tfjs-layers v99\.0\.0"/},
  {what: 'no modelTopology', edit: (j) => ({json: {...j, modelTopology: null} as unknown as Json}), message: /not a valid tfjs model\.json: no modelTopology/},
  {what: 'modelTopology a list', edit: (j) => ({json: {...j, modelTopology: []} as unknown as Json}), message: /modelTopology of .* must be a JSON object; got \[\]/},
  ...['EvilLayer', '__proto__', 'constructor', 'toString', 'hasOwnProperty'].map((cls): Hostile => ({
    what: `layer class_name ${JSON.stringify(cls)}`,
    edit: (j) => {
      layer0(j).class_name = cls;
      return {json: j};
    },
    message: /cannot build the model of .*: Unknown layer: /,
  })),
  {what: 'model class_name "constructor"', edit: (j) => {
    (j.modelTopology as Record<string, unknown>)['class_name'] = 'constructor';
    return {json: j};
  }, message: /cannot build the model of .*: Unknown layer: constructor/},
  ...['constructor', '__proto__', 'Function'].map((fn): Hostile => ({
    what: `kernel_posterior_fn class_name ${JSON.stringify(fn)}`,
    edit: (j) => {
      layer0(j).config['kernel_posterior_fn'] = {class_name: fn, config: {}};
      return {json: j};
    },
    // tfjs turns the snake_case "__proto__" into "Proto" before the lookup.
    message: new RegExp(`kernelPosteriorFn names an unregistered function "(${fn === '__proto__' ? '__proto__|Proto' : fn})"`),
  })),
  {what: 'activation "constructor"', edit: (j) => {
    layer0(j).config['activation'] = 'constructor';
    return {json: j};
  }, message: /DenseFlipout: activation must be a registered tfjs object or its name; got "constructor"/},
  {what: 'units "x"', edit: (j) => {
    layer0(j).config['units'] = 'x';
    return {json: j};
  }, message: /DenseFlipout: units must be a positive integer; got "x"/},
  ...['../../etc/passwd', '/etc/passwd', '.', 'sub/../../weights.bin', '..'].map((p): Hostile => ({
    what: `weights path ${JSON.stringify(p)}`,
    edit: (j) => {
      j.weightsManifest[0]!.paths = [p];
      return {json: j};
    },
    message: /weights path .* must be a file next to model\.json/,
  })),
  {what: 'weights file missing', edit: (j) => {
    j.weightsManifest[0]!.paths = ['./nope.bin'];
    return {json: j};
  }, message: /cannot read weights .*nope\.bin/},
  ...['float64', 'string', 'complex64'].map((dtype): Hostile => ({
    what: `dtype ${dtype}`,
    edit: (j) => {
      j.weightsManifest[0]!.weights[0]!.dtype = dtype;
      return {json: j};
    },
    message: /must have a name, a shape of non-negative integers and dtype float32\|int32\|bool/,
  })),
  {what: 'dtype int32 for a float32 weight', edit: (j) => {
    j.weightsManifest[0]!.weights[0]!.dtype = 'int32';
    return {json: j};
  }, message: /weight ".*kernel_posterior_loc" of .* must have dtype "float32"; got "int32"/},
  {what: 'shape [3,2] → [2,3] (same bytes)', edit: (j) => {
    j.weightsManifest[0]!.weights[0]!.shape = [2, 3];
    return {json: j};
  }, message: /weight ".*kernel_posterior_loc" of .* must have shape \[3,2\]; got \[2,3\]/},
  {what: 'shape [1e9, 1e9]', edit: (j) => {
    j.weightsManifest[0]!.weights[0]!.shape = [1e9, 1e9];
    return {json: j};
  }, message: /would take 4000000000000000000 bytes once decoded; maxWeightBytes allows at most 1073741824/},
  {what: 'negative shape', edit: (j) => {
    j.weightsManifest[0]!.weights[0]!.shape = [-3, -2];
    return {json: j};
  }, message: /must have a name, a shape of non-negative integers/},
  {what: 'missing weight entry', edit: (j) => {
    j.weightsManifest[0]!.weights.pop();
    return {json: j};
  }, message: /have 80 bytes; the manifest describes 72/},
  {what: 'missing weight entry and its bytes (no checksum, as an older or foreign save)', edit: (j, bin) => {
    j.weightsManifest[0]!.weights.pop();
    delete j['tfjsProbability'];
    return {json: j, bin: bin.subarray(0, 72)};
  }, message: /the topology asks for weight "bias" of shape \[2\] in layer ".*", 80 bytes of weights so far; the weights manifest describes 72 \(refused before allocating\)/},
  {what: 'missing weight entry and its bytes (checksum of the whole weights)', edit: (j, bin) => {
    j.weightsManifest[0]!.weights.pop();
    return {json: j, bin: bin.subarray(0, 72)};
  }, message: /weights of .* have SHA-256 [0-9a-f]{64}; model\.json records [0-9a-f]{64} \(corrupted or replaced files\)/},
  {what: 'weights.bin with one byte changed (same size)', edit: (j, bin) => {
    const changed = Buffer.from(bin);
    changed[5] = (changed[5]! + 1) % 256;
    return {json: j, bin: changed};
  }, message: /have SHA-256 [0-9a-f]{64}; model\.json records [0-9a-f]{64}/},
  {what: 'checksum not 64 hex digits', edit: (j) => ({json: {...j, tfjsProbability: {weightsSha256: 'abc'}}}),
    message: /tfjsProbability must be \{weightsSha256: 64 hex digits\}; got \{"weightsSha256":"abc"\}/},
  {what: 'weights paths [123]', edit: (j) => {
    (j.weightsManifest[0] as {paths: unknown[]}).paths = [123];
    return {json: j};
  }, message: /weights paths \[123\] must be strings/},
  {what: 'renamed weight', edit: (j) => {
    j.weightsManifest[0]!.weights[0]!.name = 'evil/kernel';
    return {json: j};
  }, message: /weight "evil\/kernel" of .* must be a weight of the model/},
  {what: 'duplicate weight', edit: (j) => {
    const ws = j.weightsManifest[0]!.weights;
    ws[1] = {...ws[0]!};
    return {json: j};
  }, message: /weight ".*kernel_posterior_loc" of .* must appear once; got it twice/},
  {what: 'truncated weights.bin', edit: (j, bin) => ({json: j, bin: bin.subarray(0, 13)}), message: /have 13 bytes; the manifest describes 80/},
  {what: 'weights.bin with extra bytes', edit: (j, bin) => ({json: j, bin: Buffer.concat([bin, Buffer.from([1, 2, 3, 4])])}),
    message: /have 84 bytes; the manifest describes 80/},
];

interface Snapshot {
  files: Record<string, string>;
  tensors: number;
  variables: number;
}

function snapshot(dir: string): Snapshot {
  const files: Record<string, string> = {};
  for (const f of readdirSync(dir)) files[f] = readFileSync(join(dir, f)).toString('base64');
  return {files, tensors: tf.memory().numTensors, variables: Object.keys(tf.engine().registeredVariables).length};
}

/** Writes the case's files, loads them, and checks: typed error, message, nothing changed. */
async function expectRefused(base: {json: string; bin: Buffer}, hostile: Hostile): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tfp-hostile-'));
  const {json, bin} = hostile.edit(JSON.parse(base.json) as Json, base.bin);
  writeFileSync(join(dir, 'model.json'), typeof json === 'string' ? json : JSON.stringify(json));
  writeFileSync(join(dir, 'weights.bin'), bin ?? base.bin);
  const before = snapshot(dir);
  let error: unknown;
  try {
    const m = await tfp.io.loadLayersModel(`file://${join(dir, 'model.json')}`);
    m.dispose();
  } catch (e) {
    error = e;
  }
  expect(error, `${hostile.what} loaded`).toBeInstanceOf(ValueError);
  expect((error as Error).message, hostile.what).toMatch(hostile.message);
  const after = snapshot(dir);
  expect(after, hostile.what).toEqual(before);
  expect(({} as Record<string, unknown>)['polluted'], hostile.what).toBeUndefined();
}

describe('hostile model files are refused with a typed error and change nothing', () => {
  for (const hostile of HOSTILE) {
    it(hostile.what, async () => {
      count('hostile (named)');
      await expectRefused(await savedModel(), hostile);
    });
  }

  it('"__proto__" keys in a config do not pollute Object.prototype (loads, or a ValueError for the unknown key)', async () => {
    count('hostile (named)');
    const base = await savedModel();
    const dir = mkdtempSync(join(tmpdir(), 'tfp-proto-'));
    writeFileSync(join(dir, 'model.json'), base.json.replace('"units":2', '"units":2,"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}'));
    writeFileSync(join(dir, 'weights.bin'), base.bin);
    try {
      const m = await tfp.io.loadLayersModel(`file://${join(dir, 'model.json')}`);
      m.dispose();
    } catch (e) {
      expect(e, String(e)).toBeInstanceOf(ValueError);
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('model.json truncated at every fast-check-chosen length (numRuns 60) is refused', async () => {
    const base = await savedModel();
    await fc.assert(fc.asyncProperty(fc.integer({min: 0, max: base.json.length - 1}), async (cut) => {
      count('truncated model.json');
      await expectRefused(base, {what: `model.json cut at ${cut}`, edit: () => ({json: base.json.slice(0, cut)}),
        message: /is not valid JSON \(truncated or corrupted\?\)/});
    }), {seed: SEED, numRuns: 60});
  });

  it('weights.bin truncated at any length (numRuns 40) is refused', async () => {
    const base = await savedModel();
    await fc.assert(fc.asyncProperty(fc.integer({min: 0, max: base.bin.length - 1}), async (cut) => {
      count('truncated weights.bin');
      await expectRefused(base, {what: `weights.bin cut at ${cut}`, edit: (j) => ({json: j, bin: base.bin.subarray(0, cut)}),
        message: new RegExp(`have ${cut} bytes; the manifest describes ${base.bin.length}`)});
    }), {seed: SEED, numRuns: 40});
  });

  it('model.json with random bytes overwritten (numRuns 150): loads, or a ValueError; never another error or a leak', async () => {
    const base = await savedModel();
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.nat(base.json.length - 1), fc.integer({min: 32, max: 126})), {minLength: 1, maxLength: 4}),
        async (edits) => {
          count('corrupted model.json');
          const chars = base.json.split('');
          for (const [pos, code] of edits) chars[pos] = String.fromCharCode(code);
          const dir = mkdtempSync(join(tmpdir(), 'tfp-corrupt-'));
          writeFileSync(join(dir, 'model.json'), chars.join(''));
          writeFileSync(join(dir, 'weights.bin'), base.bin);
          const before = snapshot(dir);
          try {
            const m = await tfp.io.loadLayersModel(`file://${join(dir, 'model.json')}`);
            m.dispose();
          } catch (e) {
            expect(e, String(e)).toBeInstanceOf(ValueError);
          }
          expect(snapshot(dir)).toEqual(before);
        }), {seed: SEED, numRuns: 150});
  });
});

// ---- Loading never evaluates code ----------------------------------------------------------

function sources(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

describe('loading never evaluates code', () => {
  const root = join(import.meta.dirname, '..', '..', 'src');
  const files = sources(root);

  it('no eval, new Function, Function(…), vm or string timers anywhere in src/', () => {
    const banned: Array<[string, RegExp]> = [
      ['eval(', /(^|[^.\w])eval\s*\(/],
      ['new Function', /\bnew\s+Function\s*\(/],
      ['Function(', /(^|[^.\w])Function\s*\(/],
      ['node:vm', /['"](node:)?vm['"]/],
      ['string timer', /\bset(Timeout|Interval)\s*\(\s*['"`]/],
    ];
    const hits: string[] = [];
    for (const f of files) {
      readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '');
        // A method declaration named eval (tfp.nn's `protected eval(x, w)`) is not the global eval.
        if (/^\s*(protected|private|public|abstract|override|\s)*\s*eval\s*\(/.test(code)) return;
        for (const [name, re] of banned) if (re.test(code)) hits.push(`${relative(root, f)}:${i + 1}: ${name}: ${line.trim()}`);
      });
    }
    expect(hits).toEqual([]);
  });

  it('every dynamic import() / importHidden() takes a string literal or a constant assigned one in the same file', () => {
    const hits: string[] = [];
    for (const f of files) {
      // Comments stripped; util/env.ts's importHidden(specifier) is the one import of a parameter,
      // and each of its calls is checked like an import().
      let text = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');
      if (relative(root, f) === join('util', 'env.ts')) {
        text = text.replace(/export async function importHidden<T>\(specifier: string\)[^]*?\n}\n/, '');
      }
      for (const m of text.matchAll(/\b(?:import|importHidden(?:<[^>]*>)?)\s*\(\s*([^)'"`\s][^)]*)\)/g)) {
        const arg = (m[1] as string).trim();
        const constant = new RegExp(`const\\s+${arg.replace(/[^\w$]/g, '')}\\s*=\\s*['"][^'"]+['"]\\s*;`);
        if (!/^[\w$]+$/.test(arg) || !constant.test(text)) hits.push(`${relative(root, f)}: import(${arg})`);
      }
      // require() of a literal, or of a template that can only name a .json data file (src/cli's digits).
      for (const m of text.matchAll(/\brequire\s*\(\s*([^)]*)\)/g)) {
        const arg = (m[1] as string).trim();
        if (!/^(['"])[^'"]+\1$/.test(arg) && !/^`[\w@/.-]+(\$\{\w+\}[\w/.-]*)*\.json`$/.test(arg)) {
          hits.push(`${relative(root, f)}: require(${arg})`);
        }
      }
    }
    expect(hits).toEqual([]);
  });

  it('a model file naming code as a function is looked up by name, never run', async () => {
    const base = await savedModel();
    const marker = '__tfp_evaluated__';
    const code = `(globalThis.${marker} = 1)`;
    await expectRefused(base, {what: 'code as a class name', edit: (j) => {
      layer0(j).config['kernel_divergence_fn'] = {class_name: code, config: {}};
      return {json: j};
    }, message: /kernelDivergenceFn names an unregistered function/});
    expect((globalThis as Record<string, unknown>)[marker]).toBeUndefined();
  });
});
