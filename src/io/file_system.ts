// A `file://` save/load handler for tfjs in Node without @tensorflow/tfjs-node: model.json +
// weights.bin, written atomically (temporary file, fsync, rename) so that a crash mid-save leaves
// the previous model intact, and read back with strict validation (a model file is data, never
// code). Where tfjs-node is installed its own file:// handler is used instead.
//
// Porting note: the weights alternate between two files, weights.bin and weights.1.bin: a save
// writes the one the current model.json does not name, then replaces model.json in one rename,
// then removes the other. A crash at any moment leaves a model.json whose weights file is whole,
// even when the new model's layout differs (writing weights.bin in place could pair the old
// model.json with the new weights). A fresh directory gets weights.bin.
import * as tf from '@tensorflow/tfjs-core';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {isNode, nodeFsPath} from '../util/env.js';

import {syncDir, writeFileAtomic} from './atomic.js';

export {writeFileAtomic} from './atomic.js';

type NodeFs = typeof import('node:fs/promises');
type NodePath = typeof import('node:path');

async function nodeModules(): Promise<{fs: NodeFs; path: NodePath}> {
  const m = await nodeFsPath();
  if (m === null) throw new ValueError('fileSystem: file:// paths need Node.js; use tf.io.browserFiles or an in-memory handler in a browser.');
  return m;
}

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';
const WEIGHTS_SLOTS = [WEIGHTS_BIN, 'weights.1.bin'] as const;

/** The weights slot the model.json at `file` names, or null (no file, unreadable, or another name). */
async function currentSlot(fs: NodeFs, file: string): Promise<string | null> {
  try {
    const json = JSON.parse(await fs.readFile(file, 'utf8')) as {weightsManifest?: Array<{paths?: unknown[]}>};
    const p = json.weightsManifest?.[0]?.paths?.[0];
    const name = typeof p === 'string' ? p.replace(/^\.\//, '') : null;
    return WEIGHTS_SLOTS.find((slot) => slot === name) ?? null;
  } catch {
    return null;
  }
}

function stripScheme(url: string): string {
  return url.startsWith('file://') ? url.slice('file://'.length) : url;
}

function checkManifest(file: string, value: unknown): tf.io.ModelJSON {
  const bad = (what: string): never => {
    throw new ValueError(`fileSystem: ${file} is not a valid tfjs model.json: ${what}.`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('not a JSON object');
  const json = value as Record<string, unknown>;
  if (typeof json['modelTopology'] !== 'object' || json['modelTopology'] === null) bad('no modelTopology');
  const manifest = json['weightsManifest'];
  if (!Array.isArray(manifest)) bad('weightsManifest must be a list');
  for (const group of manifest as unknown[]) {
    const g = group as {paths?: unknown; weights?: unknown};
    if (!Array.isArray(g.paths) || !Array.isArray(g.weights)) bad('each weights group needs paths and weights');
    for (const w of g.weights as unknown[]) {
      const spec = w as {name?: unknown; shape?: unknown; dtype?: unknown};
      if (typeof spec.name !== 'string' || !Array.isArray(spec.shape) ||
          !spec.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0) ||
          (spec.dtype !== 'float32' && spec.dtype !== 'int32' && spec.dtype !== 'bool')) {
        bad(`weight entry ${fmt(w)} must have a name, a shape of non-negative integers and dtype float32|int32|bool`);
      }
    }
  }
  return json as unknown as tf.io.ModelJSON;
}

/**
 * An IOHandler that saves to / loads from a directory (`model.json` + `weights.bin`).
 *
 * @example
 * await model.save(tfp.io.fileSystem('/tmp/my-model'));
 * const loaded = await tf.loadLayersModel(tfp.io.fileSystem('/tmp/my-model/model.json'));
 */
export function fileSystem(pathOrUrl: string): tf.io.IOHandler {
  const target = stripScheme(pathOrUrl);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const {fs, path} = await nodeModules();
      const dir = target.endsWith(MODEL_JSON) ? path.dirname(target) : target;
      await fs.mkdir(dir, {recursive: true});
      const weightData = artifacts.weightData === undefined ? new Uint8Array(0) :
          new Uint8Array(tf.io.concatenateArrayBuffers(
              Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData]));
      const manifestFile = path.join(dir, MODEL_JSON);
      const current = await currentSlot(fs, manifestFile);
      const slot = current === WEIGHTS_BIN ? WEIGHTS_SLOTS[1] : WEIGHTS_BIN;
      const modelJSON: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{paths: [`./${slot}`], weights: artifacts.weightSpecs ?? []}],
        ...(artifacts.userDefinedMetadata !== undefined ?
          {userDefinedMetadata: artifacts.userDefinedMetadata} : {}),
      };
      // New weights into the slot the current model.json does not name, then the manifest that
      // names them (one rename switches models), then the old slot goes.
      await writeFileAtomic(path.join(dir, slot), weightData);
      await writeFileAtomic(manifestFile, JSON.stringify(modelJSON));
      if (current !== null && current !== slot) await fs.rm(path.join(dir, current), {force: true});
      await syncDir(dir);
      return {modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts)};
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const {fs, path} = await nodeModules();
      const file = target.endsWith('.json') ? target : path.join(target, MODEL_JSON);
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (e) {
        throw new ValueError(`fileSystem: cannot read ${file}: ${(e as Error).message}.`);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw new ValueError(`fileSystem: ${file} is not valid JSON (truncated or corrupted?): ` +
            `${(e as Error).message}.`);
      }
      const json = checkManifest(file, parsed);
      const dir = path.dirname(file);
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          const resolved = path.resolve(dir, p);
          if (path.dirname(resolved) !== path.resolve(dir)) {
            throw new ValueError(`fileSystem: weights path ${fmt(p)} in ${file} must be a file ` +
                `next to model.json.`);
          }
          try {
            buffers.push(new Uint8Array(await fs.readFile(resolved)));
          } catch (e) {
            throw new ValueError(`fileSystem: cannot read weights ${resolved}: ${(e as Error).message}.`);
          }
        }
      }
      const bytes = buffers.reduce((n, b) => n + b.byteLength, 0);
      const expected = specs.reduce((n, s) =>
        n + s.shape.reduce((a, d) => a * d, 1) * (s.dtype === 'bool' ? 1 : 4), 0);
      if (bytes !== expected) {
        throw new ValueError(`fileSystem: weights of ${file} have ${bytes} bytes; the manifest ` +
            `describes ${expected} (truncated or mismatched files).`);
      }
      const joined = new Uint8Array(bytes);
      let offset = 0;
      for (const b of buffers) {
        joined.set(b, offset);
        offset += b.byteLength;
      }
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        weightSpecs: specs,
        weightData: joined.buffer,
        userDefinedMetadata: json.userDefinedMetadata,
      };
    },
  };
}

let registered = false;

/**
 * Registers {@link fileSystem} for `file://` URLs in `model.save` / `tf.loadLayersModel`, unless a
 * handler (e.g. tfjs-node's) already serves them. Called on import in Node; idempotent.
 */
export function registerFileSystemRouter(): void {
  if (registered) return;
  registered = true;
  if (!isNode()) return;
  const router = ((url: string | string[]): tf.io.IOHandler | null =>
    (typeof url === "string" && url.startsWith("file://") ? fileSystem(url) : null)) as Parameters<typeof tf.io.registerSaveRouter>[0];
  if (tf.io.getSaveHandlers('file:///probe').length === 0) tf.io.registerSaveRouter(router);
  if (tf.io.getLoadHandlers('file:///probe').length === 0) tf.io.registerLoadRouter(router);
}
