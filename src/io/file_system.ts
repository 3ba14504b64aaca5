// A `file://` save/load handler for tfjs in Node without @tensorflow/tfjs-node: model.json + one
// weights file, written so that neither a crash nor a concurrent save or load ever sees a torn or
// mixed model, and read back with strict validation (a model file is data, never code). Where
// tfjs-node is installed its own file:// handler serves file:// URLs instead.
//
// Porting note: tfjs-node writes model.json and weights.bin in place. Here a save, holding the
// folder's lock (src/io/lock.ts: one save at a time, across processes too), writes its weights to a
// new file `weights.<uuid>.bin`, then replaces model.json (which names that file and records the
// SHA-256 of its bytes under the top-level key "tfjsProbability", which tfjs's loaders ignore) in
// one rename, then removes the weights files and temporaries earlier saves left. A crash at any
// moment leaves a model.json whose weights file is whole. A load that finds its weights gone, short
// or with another checksum re-reads model.json: if that changed, a save switched models under it and
// it loads the new one (a few times, then ModelBeingWrittenError); if not, the files are damaged.
// Folders of earlier versions (weights.bin / weights.1.bin, no checksum) load as before.
import * as tf from '@tensorflow/tfjs-core';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {importHidden, isNode, nodeFsPath} from '../util/env.js';

import {ensureDir, parseTemporarySibling, syncDir, writeFileAtomic} from './atomic.js';
import {ModelBeingWrittenError} from './errors.js';
import {LOCK_FILE, parseStaleLock, processAlive, withFolderLock} from './lock.js';
import {checkManifest, resolveOptions, TFP_KEY} from './manifest.js';
import type {FileSystemOptions} from './manifest.js';
import {openChecked, readChecked, readSmallFile} from './read_checked.js';
import type {CheckedFile} from './read_checked.js';

export {writeFileAtomic} from './atomic.js';

type NodeFs = typeof import('node:fs/promises');
type NodePath = typeof import('node:path');
type NodeCrypto = typeof import('node:crypto');

const OWNER = 'fileSystem';

async function nodeModules(): Promise<{fs: NodeFs; path: NodePath; crypto: NodeCrypto}> {
  const m = await nodeFsPath();
  if (m === null) throw new ValueError('fileSystem: file:// paths need Node.js; use tf.io.browserFiles or an in-memory handler in a browser.');
  return {...m, crypto: await importHidden<NodeCrypto>('node:crypto')};
}

const MODEL_JSON = 'model.json';
/** Weights files this handler writes (weights.<uuid>.bin) or wrote before (weights.bin, weights.1.bin). */
const WEIGHTS_FILE = /^weights(\.1|\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?\.bin$/;
/** How many times a load follows a model.json that a save replaced while it was read. */
const LOAD_ATTEMPTS = 8;

/** The tail of the saves that are resolving their folders (see save). */
let saveEntry: Promise<unknown> = Promise.resolve();

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function stripScheme(url: string): string {
  return url.startsWith('file://') ? url.slice('file://'.length) : url;
}

/** Whether `name` in a folder whose lock we hold was left by an earlier save (see removeLeftovers). */
function isLeftover(name: string, keep: string): boolean {
  if (name === keep) return false;
  if (WEIGHTS_FILE.test(name)) return true;
  const tmp = parseTemporarySibling(name);
  if (tmp !== null && (tmp.target === MODEL_JSON || tmp.target === LOCK_FILE || WEIGHTS_FILE.test(tmp.target))) {
    // Ours are leftovers (our saves to this folder run one at a time); another process's only once it is gone.
    return tmp.pid === process.pid || !processAlive(tmp.pid);
  }
  const grave = parseStaleLock(name);
  return grave !== null && grave.pid !== process.pid && !processAlive(grave.pid);
}

/**
 * Removes what earlier saves left in `dir` (holding its lock): weights files other than `keep`, and
 * temporaries of model.json, weights files and the lock whose writer is gone. Best effort: a file
 * that a reader on Windows holds open stays until a later save.
 */
async function removeLeftovers(fs: NodeFs, path: NodePath, dir: string, keep: string): Promise<void> {
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    if (isLeftover(name, keep)) await fs.rm(path.join(dir, name), {force: true}).catch(() => undefined);
  }
}

/**
 * Writes a model into `folder` (holding its lock): new weights under a new name, then the
 * model.json that names them (one rename switches models), then what earlier saves left.
 */
async function writeModel(fs: NodeFs, path: NodePath, crypto: NodeCrypto, folder: string,
    artifacts: tf.io.ModelArtifacts, weightData: Uint8Array): Promise<void> {
  const weights = `weights.${crypto.randomUUID()}.bin`;
  const modelJSON: tf.io.ModelJSON & {[TFP_KEY]: {weightsSha256: string}} = {
    modelTopology: artifacts.modelTopology ?? {},
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{paths: [`./${weights}`], weights: artifacts.weightSpecs ?? []}],
    ...(artifacts.userDefinedMetadata !== undefined ? {userDefinedMetadata: artifacts.userDefinedMetadata} : {}),
    [TFP_KEY]: {weightsSha256: crypto.createHash('sha256').update(weightData).digest('hex')},
  };
  await writeFileAtomic(path.join(folder, weights), weightData);
  await writeFileAtomic(path.join(folder, MODEL_JSON), JSON.stringify(modelJSON));
  await syncDir(folder);
  await removeLeftovers(fs, path, folder, weights);
}

/** One try at reading the model whose model.json text is `text`. */
async function loadOnce(fs: NodeFs, path: NodePath, crypto: NodeCrypto, file: string, folder: string, text: string,
    maxWeightBytes: number): Promise<tf.io.ModelArtifacts> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ValueError(`fileSystem: ${file} is not valid JSON (truncated or corrupted?): ` +
        `${(e as Error).message}.`);
  }
  const {json, storedBytes, sha256} = checkManifest(OWNER, file, parsed, maxWeightBytes);
  const dir = path.dirname(file);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const files: CheckedFile[] = [];
  try {
    for (const group of json.weightsManifest) {
      specs.push(...group.weights);
      for (const p of group.paths) {
        const resolved = path.resolve(dir, p);
        if (path.dirname(resolved) !== path.resolve(dir)) {
          throw new ValueError(`fileSystem: weights path ${fmt(p)} in ${file} must be a file ` +
              `next to model.json.`);
        }
        files.push(await openChecked(fs, path, OWNER, 'weights', resolved, folder));
      }
    }
    // Sizes against the manifest before a byte is read.
    const bytes = files.reduce((n, f) => n + f.size, 0);
    if (bytes !== storedBytes) {
      throw new ValueError(`fileSystem: weights of ${file} have ${bytes} bytes; the manifest ` +
          `describes ${storedBytes} (truncated or mismatched files).`);
    }
    const joined = new Uint8Array(bytes);
    let offset = 0;
    for (const f of files) {
      await readChecked(OWNER, 'weights', f, joined, offset);
      offset += f.size;
    }
    if (sha256 !== null) {
      const actual = crypto.createHash('sha256').update(joined).digest('hex');
      if (actual !== sha256) {
        throw new ValueError(`fileSystem: weights of ${file} have SHA-256 ${actual}; model.json ` +
            `records ${sha256} (corrupted or replaced files).`);
      }
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
  } finally {
    await Promise.all(files.map((f) => f.handle.close().catch(() => undefined)));
  }
}

/**
 * An IOHandler that saves to / loads from a directory (`model.json` + one weights file). Saves to
 * one folder run one at a time (across processes too); a load sees one whole save, never a mix.
 * Loading reads only regular files inside the folder, checks sizes against the manifest before
 * reading, and refuses weights over `maxWeightBytes` (default 1 GiB) and a model.json over
 * `maxModelJsonBytes` (default 32 MiB). Throws ModelBeingWrittenError when saves keep replacing
 * the model during a load, ModelLockedError when a save waits over `lockTimeoutMs`.
 *
 * @example
 * await model.save(tfp.io.fileSystem('/tmp/my-model'));
 * const loaded = await tf.loadLayersModel(tfp.io.fileSystem('/tmp/my-model/model.json'));
 */
export function fileSystem(pathOrUrl: string, options?: FileSystemOptions): tf.io.IOHandler {
  if (typeof pathOrUrl !== 'string' || pathOrUrl.length === 0) {
    throw new ValueError(`fileSystem: pathOrUrl must be a non-empty path or file:// URL; got ${fmt(pathOrUrl)}.`);
  }
  const opts = resolveOptions(OWNER, options);
  const target = stripScheme(pathOrUrl);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const weightData = artifacts.weightData === undefined ? new Uint8Array(0) :
          new Uint8Array(tf.io.concatenateArrayBuffers(
              Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData]));
      // Saves resolve their folders one after another and join its queue in call order: of two
      // saves to one folder, the one called last is the one that stays.
      const entered = saveEntry.then(async () => {
        const {fs, path, crypto} = await nodeModules();
        const dir = await ensureDir(target.endsWith(MODEL_JSON) ? path.dirname(target) : target, OWNER, 'path');
        const folder = await fs.realpath(dir);
        const lock = {owner: OWNER, timeoutMs: opts.lockTimeoutMs, staleMs: opts.staleLockMs};
        return {saved: withFolderLock(folder, lock, () => writeModel(fs, path, crypto, folder, artifacts, weightData))};
      });
      saveEntry = entered.catch(() => undefined);
      await (await entered).saved;
      return {modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts)};
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const {fs, path, crypto} = await nodeModules();
      const file = target.endsWith('.json') ? target : path.join(target, MODEL_JSON);
      let folder: string;
      try {
        folder = await fs.realpath(path.dirname(file));
      } catch (e) {
        throw new ValueError(`fileSystem: cannot read ${file}: ${(e as Error).message}.`);
      }
      const readJson = async (): Promise<string> => new TextDecoder().decode(
          await readSmallFile(fs, path, OWNER, 'model.json', file, folder, opts.maxModelJsonBytes, 'maxModelJsonBytes'));
      let text = await readJson();
      for (let attempt = 1; ; attempt++) {
        try {
          return await loadOnce(fs, path, crypto, file, folder, text, opts.maxWeightBytes);
        } catch (e) {
          if (!(e instanceof ValueError)) throw e;
          // A save replaces model.json before it removes the weights the old one names: if the
          // weights failed and model.json changed, follow it; if it did not, the files are bad.
          const again = await readJson().catch(() => text);
          if (again === text) throw e;
          if (attempt >= LOAD_ATTEMPTS) {
            throw new ModelBeingWrittenError(`fileSystem: ${file} was replaced ${attempt} times while ` +
                `being loaded (saves to ${folder} are in progress); retry the load. Last failure: ${e.message}`);
          }
          text = again;
          await sleep(2 * attempt);
        }
      }
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
