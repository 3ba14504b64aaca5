// What the file loader reads (issue 20, items 2–4): only regular files inside the model folder after
// links are resolved (no symlink out, no /dev/zero, no FIFO — checked before anything is opened),
// sizes checked against the manifest before reading, model.json and the weights capped
// (maxModelJsonBytes, maxWeightBytes; a topology that asks for more than its manifest is refused
// before allocating), tfjs's quantized weights decoded, folders of earlier versions still loading,
// and tfjs's own loader reading our folders. Expected values are the bytes and constants the test
// wrote, quantization per tfjs's format (v = q · scale + min; IEEE 754 binary16 for float16).
import {execFileSync} from 'node:child_process';
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, symlinkSync,
  truncateSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import * as tf from '@tensorflow/tfjs';
import {afterAll, describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import type {LoadLayersModelOptions} from '../../src/io/manifest.js';
import {ValueError} from '../../src/util/errors.js';

const COUNTS: Record<string, number> = {};
afterAll(() => {
  console.log(`model_folder cases: ${JSON.stringify(COUNTS)}`);
});
const count = (key: string): void => {
  COUNTS[key] = (COUNTS[key] ?? 0) + 1;
};

type Json = {modelTopology: {config: {layers: Array<{class_name: string; config: Record<string, unknown>}>}};
  weightsManifest: Array<{paths: string[]; weights: Array<{name: string; shape: number[]; dtype: string; quantization?: unknown}>}>} &
  Record<string, unknown>;

/** A saved folder: a DenseFlipout (3 → 2) and a dense head (2 → 2), 20 float32 weights = 80 bytes. */
async function saved(): Promise<{dir: string; json: Json; weights: string; model: tf.LayersModel}> {
  const dir = mkdtempSync(join(tmpdir(), 'tfp-folder-'));
  const model = tf.sequential({layers: [tfp.layers.denseFlipout({units: 2, inputShape: [3], seed: 1}), tf.layers.dense({units: 2})]});
  await model.save(tfp.io.fileSystem(dir));
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Json;
  const weights = json.weightsManifest[0]!.paths[0]!.replace(/^\.\//, '');
  return {dir, json, weights, model};
}

/** Rejects if `p` has not settled after `ms` (a guard against hangs, not a timing assertion). */
function noHang<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  })]).finally(() => clearTimeout(timer));
}

async function refusal(source: string | tf.io.IOHandler, options?: LoadLayersModelOptions): Promise<Error> {
  const before = {tensors: tf.memory().numTensors, variables: Object.keys(tf.engine().registeredVariables).length};
  let error: unknown = null;
  try {
    (await noHang(tfp.io.loadLayersModel(source, options), 20_000, `loading ${String(source)}`)).dispose();
  } catch (e) {
    error = e;
  }
  expect(error, `${String(source)} loaded`).toBeInstanceOf(ValueError);
  expect({tensors: tf.memory().numTensors, variables: Object.keys(tf.engine().registeredVariables).length}).toEqual(before);
  return error as Error;
}

const weightsOf = (m: tf.LayersModel): number[][] => m.getWeights().map((w) => Array.from(w.dataSync()));
const hasMkfifo = ((): boolean => {
  try {
    execFileSync('mkfifo', ['--version'], {stdio: 'ignore'});
    return true;
  } catch {
    return false;
  }
})();

describe('the loader reads only regular files inside the model folder', () => {
  it('a weights file that links to a file outside the folder (same bytes) is refused', async () => {
    count('links and special files');
    const {dir, weights} = await saved();
    const outside = join(mkdtempSync(join(tmpdir(), 'tfp-outside-')), 'w.bin');
    renameSync(join(dir, weights), outside);
    symlinkSync(outside, join(dir, weights));
    const e = await refusal(dir);
    expect(e.message).toMatch(new RegExp(`weights ".*${weights}" must be a regular file inside the model folder .*; it resolves to ".*w\\.bin"`));
  });

  for (const device of ['/dev/zero', '/dev/null', '/dev/urandom']) {
    it(`a weights file that links to ${device} is refused before it is read`, async () => {
      count('links and special files');
      const {dir, weights} = await saved();
      renameSync(join(dir, weights), join(dir, 'gone.bin'));
      symlinkSync(device, join(dir, weights));
      const e = await refusal(dir);
      expect(e.message).toMatch(new RegExp(`must be a regular file inside the model folder .*; it resolves to "${device}"`));
    });
  }

  it('model.json that links to a model.json outside the folder is refused', async () => {
    count('links and special files');
    const {dir} = await saved();
    const other = await saved();
    renameSync(join(dir, 'model.json'), join(dir, 'old.json'));
    symlinkSync(join(other.dir, 'model.json'), join(dir, 'model.json'));
    const e = await refusal(dir);
    expect(e.message).toMatch(/model\.json ".*model\.json" must be a regular file inside the model folder .*; it resolves to/);
  });

  const fifo = hasMkfifo ? it : it.skip;
  for (const which of ['weights', 'model.json'] as const) {
    fifo(`a FIFO as ${which} is refused without being opened (no hang)`, async () => {
      count('links and special files');
      const {dir, weights} = await saved();
      const name = which === 'weights' ? weights : 'model.json';
      renameSync(join(dir, name), join(dir, 'moved'));
      execFileSync('mkfifo', [join(dir, name)]);
      const e = await refusal(dir);
      expect(e.message).toMatch(new RegExp(`${which === 'weights' ? 'weights' : 'model\\.json'} ".*" must be a regular file; got a FIFO`));
    });
  }

  it('a directory as the weights file is refused', async () => {
    count('links and special files');
    const {dir, weights} = await saved();
    renameSync(join(dir, weights), join(dir, 'moved'));
    mkdirSync(join(dir, weights));
    expect((await refusal(dir)).message).toMatch(/must be a regular file; got a directory/);
  });

  it('a link to a regular file inside the folder, and a linked folder, load', async () => {
    count('links and special files');
    const {dir, weights, model} = await saved();
    renameSync(join(dir, weights), join(dir, 'real.bin'));
    symlinkSync('real.bin', join(dir, weights));
    const viaLink = join(mkdtempSync(join(tmpdir(), 'tfp-link-')), 'model');
    symlinkSync(dir, viaLink);
    for (const source of [dir, viaLink, `file://${viaLink}/model.json`]) {
      const loaded = await tfp.io.loadLayersModel(source);
      expect(weightsOf(loaded)).toEqual(weightsOf(model));
      loaded.dispose();
    }
  });
});

describe('sizes are capped and checked before reading or allocating', () => {
  it('a 64 MiB model.json (sparse) is refused by the default 32 MiB cap before it is read', async () => {
    count('caps');
    const {dir} = await saved();
    truncateSync(join(dir, 'model.json'), 64 * 2 ** 20);
    expect((await refusal(dir)).message).toMatch(/model\.json .* has 67108864 bytes; maxModelJsonBytes allows at most 33554432/);
  });

  it('maxModelJsonBytes of fileSystem and loadLayersModel lowers that cap', async () => {
    count('caps');
    const {dir} = await saved();
    const size = readFileSync(join(dir, 'model.json')).length;
    expect((await refusal(dir, {maxModelJsonBytes: size - 1})).message).toMatch(new RegExp(`has ${size} bytes; maxModelJsonBytes allows at most ${size - 1}`));
    await expect(tf.loadLayersModel(tfp.io.fileSystem(dir, {maxModelJsonBytes: size - 1}))).rejects.toThrowError(/maxModelJsonBytes allows at most/);
    (await tfp.io.loadLayersModel(dir, {maxModelJsonBytes: size})).dispose();
  });

  it('maxWeightBytes refuses weights over the cap (80 bytes of weights, cap 79) before reading them', async () => {
    count('caps');
    const {dir} = await saved();
    expect((await refusal(dir, {maxWeightBytes: 79})).message).toMatch(/would take 80 bytes once decoded; maxWeightBytes allows at most 79/);
    const artifacts = await tfp.io.fileSystem(dir).load!();
    expect((await refusal(tf.io.fromMemory(artifacts), {maxWeightBytes: 79})).message)
        .toMatch(/the weights of the model artifacts would take 80 bytes once decoded; maxWeightBytes allows at most 79/);
    (await tfp.io.loadLayersModel(dir, {maxWeightBytes: 80})).dispose();
  });

  for (const [layer, key] of [[0, 'units'], [1, 'units']] as const) {
    it(`${key}: 1e6 in layer ${layer} of model.json is refused before the weights are allocated`, async () => {
      count('caps');
      const {dir, json} = await saved();
      json.modelTopology.config.layers[layer]!.config[key] = 1e6;
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      let error: unknown;
      // tf.profile's peakBytes: the most tensor bytes alive during the load (1e6 units: ≥ 8 MB).
      const profile = await tf.profile(async () => {
        error = await tfp.io.loadLayersModel(dir).then((m) => m.dispose(), (e: unknown) => e);
        return [];
      });
      expect(error).toBeInstanceOf(ValueError);
      expect((error as Error).message).toMatch(/cannot build the model of .*: the topology asks for weight ".*" of shape \[\d+,1000000\] in layer ".*", \d+ bytes of weights so far; the weights manifest describes 80 \(refused before allocating\)/);
      expect(profile.peakBytes).toBeLessThan(2 ** 20);
    });
  }

  it('the weights of a valid model are not capped by the topology check (every round-trip weight counted once)', async () => {
    count('caps');
    const m = tf.sequential({layers: [tfp.layers.conv2dFlipout({filters: 3, kernelSize: 2, inputShape: [5, 5, 2]}),
      tf.layers.flatten(), tfp.layers.denseReparameterization({units: 4}), tf.layers.batchNormalization()]});
    const dir = mkdtempSync(join(tmpdir(), 'tfp-budget-'));
    await m.save(tfp.io.fileSystem(dir));
    const loaded = await tfp.io.loadLayersModel(dir);
    expect(weightsOf(loaded)).toEqual(weightsOf(m));
    loaded.dispose();
    m.dispose();
  });

  it('the weights are checked against the manifest by size before they are read (a short file)', async () => {
    count('caps');
    const {dir, weights} = await saved();
    writeFileSync(join(dir, weights), readFileSync(join(dir, weights)).subarray(0, 40));
    expect((await refusal(dir)).message).toMatch(/have 40 bytes; the manifest describes 80/);
  });
});

/** IEEE 754 binary16 bit patterns and their values (the format's definition). */
const HALVES: Array<[number, number]> = [[0x3c00, 1], [0xc000, -2], [0x3800, 0.5], [0x0000, 0], [0x7bff, 65504],
  [0x0001, 2 ** -24], [0x3555, 0.333251953125], [0xfbff, -65504], [0x4248, 3.140625], [0x0400, 2 ** -14]];

describe('tfjs quantized weights', () => {
  type Q = {what: string; quantization: Record<string, unknown>; bytesPer: number; encode: (i: number) => number; value: (i: number) => number};
  const CASES: Q[] = [
    {what: 'uint8, scale 0.25, min -2', quantization: {dtype: 'uint8', scale: 0.25, min: -2}, bytesPer: 1, encode: (i) => i, value: (i) => i * 0.25 - 2},
    {what: 'uint16, scale 2^-10, min 0', quantization: {dtype: 'uint16', scale: 2 ** -10, min: 0}, bytesPer: 2, encode: (i) => 1000 * i, value: (i) => 1000 * i / 1024},
    {what: 'float16', quantization: {dtype: 'float16'}, bytesPer: 2, encode: (i) => HALVES[i % HALVES.length]![0], value: (i) => HALVES[i % HALVES.length]![1]},
  ];
  for (const q of CASES) {
    it(`${q.what}: decoded to q · scale + min (or binary16), every weight`, async () => {
      count('quantization');
      const {dir, json, weights} = await saved();
      const n = 20;
      for (const w of json.weightsManifest[0]!.weights) w.quantization = q.quantization;
      delete json['tfjsProbability'];
      const bytes = new Uint8Array(n * q.bytesPer);
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < n; i++) {
        if (q.bytesPer === 1) view.setUint8(i, q.encode(i));
        else view.setUint16(2 * i, q.encode(i), true);
      }
      writeFileSync(join(dir, weights), bytes);
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      const loaded = await tfp.io.loadLayersModel(dir);
      expect(weightsOf(loaded).flat()).toEqual(Array.from({length: n}, (_, i) => q.value(i)));
      loaded.dispose();
      // The unquantized size is refused: the manifest describes n · bytesPer bytes.
      writeFileSync(join(dir, weights), new Uint8Array(n * 4));
      expect((await refusal(dir)).message).toMatch(new RegExp(`have ${4 * n} bytes; the manifest describes ${n * q.bytesPer}`));
    });
  }

  const BAD: Array<[string, unknown]> = [
    ['dtype int8', {dtype: 'int8', scale: 1, min: 0}],
    ['uint8 without scale', {dtype: 'uint8', min: 0}],
    ['uint16 with scale null', {dtype: 'uint16', scale: null, min: 0}],
    ['uint8 with min "0"', {dtype: 'uint8', scale: 1, min: '0'}],
    ['a string', 'uint8'],
    ['null', null],
  ];
  for (const [what, quantization] of BAD) {
    it(`quantization ${what} is refused, naming the weight`, async () => {
      count('quantization');
      const {dir, json} = await saved();
      json.weightsManifest[0]!.weights[0]!.quantization = quantization;
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      expect((await refusal(dir)).message).toMatch(/weight ".*kernel_posterior_loc" has quantization .*; it must be \{dtype: "uint8" or "uint16", scale, min\} \(finite numbers\) for a float32 or int32 weight, or \{dtype: "float16"\} for a float32 weight/);
    });
  }

  it('float16 for a bool weight is refused', async () => {
    count('quantization');
    const {dir, json} = await saved();
    const w = json.weightsManifest[0]!.weights[0]!;
    w.dtype = 'bool';
    w.quantization = {dtype: 'float16'};
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    expect((await refusal(dir)).message).toMatch(/has quantization \{"dtype":"float16"\}; it must be/);
  });
});

describe('compatibility', () => {
  for (const slot of ['weights.bin', 'weights.1.bin']) {
    it(`a folder of an earlier version (${slot}, no checksum) loads, and the next save replaces it cleanly`, async () => {
      count('compatibility');
      const {dir, json, weights, model} = await saved();
      renameSync(join(dir, weights), join(dir, slot));
      json.weightsManifest[0]!.paths = [`./${slot}`];
      delete json['tfjsProbability'];
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      const loaded = await tfp.io.loadLayersModel(dir);
      expect(weightsOf(loaded)).toEqual(weightsOf(model));
      await loaded.save(tfp.io.fileSystem(dir));
      const files = readdirSync(dir).sort();
      expect(files).toHaveLength(2);
      expect(files[1]).toMatch(/^weights\.[0-9a-f-]{36}\.bin$/);
      loaded.dispose();
    });
  }

  it("tfjs's own loader (tf.io.http, as tfjs-node's file handler: getModelArtifactsForJSON) reads our folder, ignoring tfjsProbability", async () => {
    count('compatibility');
    const {dir, json, model} = await saved();
    expect(json['tfjsProbability']).toEqual({weightsSha256: expect.stringMatching(/^[0-9a-f]{64}$/)});
    const server = createServer((req, res) => {
      const file = join(dir, decodeURIComponent((req.url ?? '/').slice(1)));
      if (!existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200).end(readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const {port} = server.address() as AddressInfo;
      const loaded = await tf.loadLayersModel(tf.io.http(`http://127.0.0.1:${port}/model.json`));
      expect(weightsOf(loaded)).toEqual(weightsOf(model));
      loaded.dispose();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a checksum copied with its weights to another folder still loads (the checksum is of the bytes, not the name)', async () => {
    count('compatibility');
    const {dir, weights, model} = await saved();
    const copy = mkdtempSync(join(tmpdir(), 'tfp-copy-'));
    copyFileSync(join(dir, 'model.json'), join(copy, 'model.json'));
    copyFileSync(join(dir, weights), join(copy, weights));
    const loaded = await tfp.io.loadLayersModel(copy);
    expect(weightsOf(loaded)).toEqual(weightsOf(model));
    loaded.dispose();
  });
});
