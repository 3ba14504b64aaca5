// Concurrent saves and loads of one model folder (issue 20, items 1, 2 and 7): saves to one folder
// run one at a time in call order (in this process) and under a lock file (across processes), a
// load sees one whole save or fails with ModelBeingWrittenError, never a mix; stale locks are
// broken and a live one makes a save fail with ModelLockedError after lockTimeoutMs; a folder that
// cannot be created (/proc) is a ValueError, not a hang. Expected values are the constants each
// save wrote: every weight of save k of writer w is w · 100 000 + k, and its layout is k's parity.
import {execFileSync, spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync} from 'node:fs';
import {hostname, tmpdir} from 'node:os';
import {join} from 'node:path';

import * as tf from '@tensorflow/tfjs';
import {afterAll, describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {ModelBeingWrittenError, ModelLockedError} from '../../src/io/errors.js';
import {LOCK_FILE} from '../../src/io/lock.js';
import type {FileSystemOptions} from '../../src/io/manifest.js';
import {ValueError} from '../../src/util/errors.js';

const FIGURES: Record<string, Record<string, number>> = {};
afterAll(() => {
  console.log(`concurrent-save figures: ${JSON.stringify(FIGURES)}`);
});

const make = (units: number, value: number): tf.Sequential => {
  const m = tf.sequential({layers: [tfp.layers.denseFlipout({units, inputShape: [64], seed: 1})]});
  m.setWeights(m.getWeights().map((w) => tf.fill(w.shape, value)));
  return m;
};

/** The one value all weights of `m` hold and its units, or null when they hold several (mixed). */
function stateOf(m: tf.LayersModel): {value: number; units: number} | null {
  const values = new Set<number>();
  for (const w of m.getWeights()) for (const v of w.dataSync()) values.add(v);
  const units = (m.layers[0]?.computeOutputShape([null, 64]) as number[])[1] as number;
  return values.size === 1 ? {value: [...values][0] as number, units} : null;
}

/** Rejects if `p` has not settled after `ms` (a guard against hangs, not a timing assertion). */
function noHang<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  })]).finally(() => clearTimeout(timer));
}

describe('saves to one folder in one process', () => {
  it('150 rounds of two saves at once (64 / 32 units) plus a load: both saves succeed, the handler called last wins, the load sees one whole model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfp-concurrent-'));
    const a = make(64, 1);
    const b = make(32, 2);
    const base = make(64, 0);
    await base.save(tfp.io.fileSystem(dir));
    const figures = {rounds: 0, saves: 0, savesRejected: 0, loads: 0, loadsRefused: 0, lostOrMixed: 0};
    let previous = {value: 0, units: 64};
    for (let round = 0; round < 150; round++) {
      const [first, second] = round % 2 === 0 ? [a, b] : [b, a];
      // tfjs encodes the weights before it calls the handler, so the handler calls can come in
      // another order than the model.save calls: the handler called last must win.
      const calls: tf.LayersModel[] = [];
      const spy = (m: tf.LayersModel, h: tf.io.IOHandler): tf.io.IOHandler => ({save: (artifacts) => {
        calls.push(m);
        return (h.save as NonNullable<tf.io.IOHandler['save']>)(artifacts);
      }});
      // Different spellings of the same folder share one queue.
      const results = await Promise.allSettled([
        first.save(spy(first, tfp.io.fileSystem(dir))),
        tfp.io.loadLayersModel(join(dir, 'model.json')),
        second.save(spy(second, tfp.io.fileSystem(`file://${dir}/`))),
      ]);
      figures.rounds++;
      figures.saves += 2;
      for (const r of [results[0], results[2]]) {
        if (r?.status === 'rejected') figures.savesRejected++;
        expect(r?.status, String((r as PromiseRejectedResult).reason)).toBe('fulfilled');
      }
      const load = results[1] as PromiseSettledResult<tf.LayersModel>;
      figures.loads++;
      if (load.status === 'fulfilled') {
        const seen = stateOf(load.value);
        const allowed = [previous, {value: 1, units: 64}, {value: 2, units: 32}];
        if (seen === null || !allowed.some((s) => s.value === seen.value && s.units === seen.units)) figures.lostOrMixed++;
        load.value.dispose();
      } else {
        figures.loadsRefused++;
        expect(load.reason).toBeInstanceOf(ModelBeingWrittenError);
      }
      const loaded = await tfp.io.loadLayersModel(join(dir, 'model.json'));
      const state = stateOf(loaded);
      expect(calls).toHaveLength(2);
      const expected = calls[1] === a ? {value: 1, units: 64} : {value: 2, units: 32};
      if (state?.value !== expected.value || state.units !== expected.units) figures.lostOrMixed++;
      expect(state).toEqual(expected);
      loaded.dispose();
      previous = expected;
      // One model.json and the one weights file it names; nothing else left behind.
      const files = readdirSync(dir).sort();
      expect(files).toHaveLength(2);
      expect(files[0]).toBe('model.json');
      expect(files[1]).toMatch(/^weights\.[0-9a-f-]{36}\.bin$/);
    }
    FIGURES['in-process'] = figures;
    expect(figures.lostOrMixed).toBe(0);
    tf.dispose([a, b, base].map((m) => m.getWeights()).flat());
  });
});

interface Child {
  done: Promise<void>;
}

function writer(dir: string, id: number, count: number): Child {
  const script = join(import.meta.dirname, 'helpers', 'writer_loop.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, dir, String(id), String(count)], {stdio: ['ignore', 'pipe', 'pipe']});
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  return {done: new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 && stdout.includes(`done ${count}`)) resolve();
      else reject(new Error(`writer ${id} exited with ${code}: ${stderr}`));
    });
  })};
}

describe('saves and loads from several processes', () => {
  it('two writer processes (250 saves each, layouts alternating) and a reader: no torn or mixed load', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfp-xproc-'));
    const base = make(32, 0);
    await base.save(tfp.io.fileSystem(dir));
    const count = 250;
    const writers = [writer(dir, 1, count), writer(dir, 2, count)];
    let running = true;
    const all = Promise.all(writers.map((w) => w.done)).finally(() => {
      running = false;
    });
    const figures = {saves: 2 * count, loads: 0, loadsWhole: 0, loadsRefused: 0, torn: 0, mixed: 0};
    const failures: string[] = [];
    while (running) {
      figures.loads++;
      try {
        const m = await tfp.io.loadLayersModel(dir);
        const state = stateOf(m);
        m.dispose();
        const k = state === null ? -1 : state.value % 100_000;
        // Save k of either writer has 32 units for even k (the base model is k = 0).
        if (state === null || state.units !== (k % 2 === 0 ? 32 : 64)) {
          figures.mixed++;
          failures.push(`mixed: ${JSON.stringify(state)}`);
        } else {
          figures.loadsWhole++;
        }
      } catch (e) {
        if (e instanceof ModelBeingWrittenError) {
          figures.loadsRefused++;
        } else {
          figures.torn++;
          failures.push(String(e));
        }
      }
    }
    await all;
    FIGURES['cross-process'] = figures;
    expect(failures.slice(0, 5)).toEqual([]);
    expect(figures.torn + figures.mixed).toBe(0);
    expect(figures.loadsWhole).toBeGreaterThan(0);
    // The last save of one of the writers is what the folder holds, and nothing else is left.
    const last = await tfp.io.loadLayersModel(dir);
    expect([100_000 + count, 200_000 + count]).toContain(stateOf(last)?.value);
    last.dispose();
    expect(readdirSync(dir).sort()).toHaveLength(2);
    tf.dispose(base.getWeights());
  });
});

describe('the save lock', () => {
  async function folderWithLock(lock: string | null, ageMs = 0): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'tfp-lock-'));
    const m = make(32, 7);
    await m.save(tfp.io.fileSystem(dir));
    tf.dispose(m.getWeights());
    if (lock !== null) {
      writeFileSync(join(dir, LOCK_FILE), lock);
      const t = new Date(Date.now() - ageMs);
      utimesSync(join(dir, LOCK_FILE), t, t);
    }
    return dir;
  }
  /** A pid that is not running: a child that has exited. */
  async function deadPid(): Promise<number> {
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => child.on('close', resolve));
    return child.pid as number;
  }
  const host = hostname();
  const lockOf = (pid: number, token = 'other'): string => JSON.stringify({pid, host, token, time: new Date().toISOString()});

  it('a lock whose process is gone is broken at once', async () => {
    const dir = await folderWithLock(lockOf(await deadPid()));
    await make(64, 8).save(tfp.io.fileSystem(dir, {lockTimeoutMs: 0}));
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const m = await tfp.io.loadLayersModel(dir);
    expect(stateOf(m)).toEqual({value: 8, units: 64});
    m.dispose();
  });

  it('a lock of this pid that this process does not hold (a restarted container) is broken at once', async () => {
    const dir = await folderWithLock(lockOf(process.pid));
    await make(64, 8).save(tfp.io.fileSystem(dir, {lockTimeoutMs: 0}));
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('a live lock not refreshed for staleLockMs is broken', async () => {
    // The parent process (vitest's) is alive; its lock is 5 s old and staleLockMs is 1 s.
    const dir = await folderWithLock(lockOf(process.ppid), 5_000);
    await make(64, 8).save(tfp.io.fileSystem(dir, {lockTimeoutMs: 0, staleLockMs: 1_000}));
    const m = await tfp.io.loadLayersModel(dir);
    expect(stateOf(m)).toEqual({value: 8, units: 64});
    m.dispose();
  });

  it('an empty lock (a writer killed between creating and writing it) older than 5 s is broken', async () => {
    const dir = await folderWithLock('', 6_000);
    await make(64, 8).save(tfp.io.fileSystem(dir, {lockTimeoutMs: 0}));
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  for (const [what, lock] of [['a live process', 'live'], ['an unreadable lock (its writer between create and write)', 'garbage']] as const) {
    it(`a fresh lock of ${what}: the save fails with ModelLockedError after lockTimeoutMs and changes nothing`, async () => {
      const dir = await folderWithLock(lock === 'live' ? lockOf(process.ppid) : '');
      const before = readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]);
      const error = await noHang(make(64, 8).save(tfp.io.fileSystem(dir, {lockTimeoutMs: 200})).then(() => null, (e: unknown) => e),
          20_000, 'a save against a live lock');
      expect(error).toBeInstanceOf(ModelLockedError);
      expect(error).toBeInstanceOf(ValueError);
      expect((error as Error).message).toMatch(new RegExp(`cannot save to .*: its lock .*${LOCK_FILE.replace('.', '\\.')} is held by pid ` +
          `${lock === 'live' ? process.ppid : 'null'} .*longer than lockTimeoutMs = 200 ms\\. Retry, or remove the lock file`));
      expect(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')])).toEqual(before);
    });
  }

  it('a save queued in this process behind one that waits past its lockTimeoutMs fails with ModelLockedError; the first then succeeds', async () => {
    const dir = await folderWithLock(lockOf(process.ppid));
    const first = make(64, 9).save(tfp.io.fileSystem(dir));
    const second = make(64, 10).save(tfp.io.fileSystem(dir, {lockTimeoutMs: 100})).then(() => null, (e: unknown) => e);
    const error = await noHang(second, 20_000, 'the queued save');
    expect(error).toBeInstanceOf(ModelLockedError);
    expect((error as Error).message).toMatch(/fileSystem: cannot save to .*: earlier saves to it in this process have run for longer than lockTimeoutMs = 100 ms/);
    rmSync(join(dir, LOCK_FILE));
    await noHang(first, 20_000, 'the first save');
    expect(stateOf(await tfp.io.loadLayersModel(dir))?.value).toBe(9);
  });

  const fifo = existsSync('/usr/bin/mkfifo') || existsSync('/bin/mkfifo') ? it : it.skip;
  fifo('a FIFO planted as the lock file is a ValueError, not a hang', async () => {
    const dir = await folderWithLock(null);
    execFileSync('mkfifo', [join(dir, LOCK_FILE)]);
    const error = await noHang(make(64, 8).save(tfp.io.fileSystem(dir)).then(() => null, (e: unknown) => e), 20_000, 'a save against a FIFO lock');
    expect(error).toBeInstanceOf(ValueError);
    expect((error as Error).message).toMatch(/fileSystem: the lock file .* must be a regular file; remove it \(got another kind of file\)/);
  });

  it('a save waits for a lock that is released, then succeeds', async () => {
    const dir = await folderWithLock(lockOf(process.ppid));
    const saving = make(64, 9).save(tfp.io.fileSystem(dir));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stateOf(await tfp.io.loadLayersModel(dir))?.value).toBe(7);
    rmSync(join(dir, LOCK_FILE));
    await noHang(saving, 20_000, 'a save after the lock went');
    expect(stateOf(await tfp.io.loadLayersModel(dir))?.value).toBe(9);
  });
});

describe('folders that cannot be created', () => {
  const proc = existsSync('/proc/self') ? it : it.skip;
  for (const target of ['/proc/tfp-probe', '/proc/tfp-probe/a/b']) {
    proc(`model.save(fileSystem(${JSON.stringify(target)})) is a ValueError naming the path, not a hang`, async () => {
      const error = await noHang(make(32, 1).save(tfp.io.fileSystem(target)).then(() => null, (e: unknown) => e), 20_000, 'save to /proc');
      expect(error).toBeInstanceOf(ValueError);
      expect((error as Error).message).toMatch(/fileSystem: path must be a directory that exists or can be created; got "\/proc\/tfp-probe.*cannot create \/proc\/tfp-probe: ENOENT/);
    });
  }
  it('a path through a regular file is a ValueError naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfp-notdir-'));
    writeFileSync(join(dir, 'file'), 'x');
    await expect(make(32, 1).save(tfp.io.fileSystem(join(dir, 'file', 'model')))).rejects.toThrowError(
        /fileSystem: path must be a directory that exists or can be created; got ".*file\/model" \(cannot stat .*file\/model: ENOTDIR/);
  });
});

describe('fileSystem options', () => {
  const bad: Array<[string, unknown, RegExp]> = [
    ['unknown key', {maxWeightByte: 1}, /fileSystem: options has no key "maxWeightByte"; the keys are maxWeightBytes, maxModelJsonBytes, lockTimeoutMs, staleLockMs/],
    ['negative maxWeightBytes', {maxWeightBytes: -1}, /options\.maxWeightBytes must be a positive safe integer; got -1/],
    ['NaN lockTimeoutMs', {lockTimeoutMs: Number.NaN}, /options\.lockTimeoutMs must be a non-negative safe integer; got NaN/],
    ['string staleLockMs', {staleLockMs: '5'}, /options\.staleLockMs must be a positive safe integer; got "5"/],
    ['options a number', 5, /fileSystem: options must be an object; got 5/],
  ];
  for (const [what, options, message] of bad) {
    it(`refuses ${what}`, () => {
      expect(() => tfp.io.fileSystem('/tmp/x', options as FileSystemOptions)).toThrowError(message);
    });
  }
  it('refuses an empty path', () => {
    expect(() => tfp.io.fileSystem('')).toThrowError(/fileSystem: pathOrUrl must be a non-empty path or file:\/\/ URL; got ""/);
  });
});

describe('a load while model.json keeps changing', () => {
  it('follows each replaced model.json, then fails with ModelBeingWrittenError (8 replacements), naming the folder', async () => {
    // Deterministic: every time the loader resolves a weights path, the "writer" (this hook)
    // replaces model.json with one naming another weights file, and removes the old one.
    const {dir, weights} = await (async () => {
      const d = mkdtempSync(join(tmpdir(), 'tfp-busy-'));
      await make(32, 3).save(tfp.io.fileSystem(d));
      const j = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8')) as {weightsManifest: Array<{paths: string[]}>};
      return {dir: d, weights: j.weightsManifest[0]!.paths[0]!};
    })();
    const json = readFileSync(join(dir, 'model.json'), 'utf8');
    const fsp = (await import('node:module')).createRequire(import.meta.url)('node:fs/promises') as Record<string, unknown>;
    const {syncBuiltinESMExports} = await import('node:module');
    const original = fsp['realpath'] as (p: string) => Promise<string>;
    let replaced = 0;
    fsp['realpath'] = async (p: string): Promise<string> => {
      if (/weights.*\.bin$/.test(String(p)) && replaced < 1000) {
        replaced++;
        writeFileSync(join(dir, 'model.tmp'), json.replace(weights, `./weights.${replaced}.bin`));
        renameSync(join(dir, 'model.tmp'), join(dir, 'model.json'));
        rmSync(join(dir, weights.slice(2)), {force: true});
      }
      return await original(p);
    };
    syncBuiltinESMExports();
    let error: unknown;
    try {
      (await tfp.io.loadLayersModel(dir)).dispose();
    } catch (e) {
      error = e;
    } finally {
      fsp['realpath'] = original;
      syncBuiltinESMExports();
    }
    expect(replaced).toBe(8);
    expect(error).toBeInstanceOf(ModelBeingWrittenError);
    expect((error as Error).message).toMatch(/fileSystem: .*model\.json was replaced 8 times while being loaded \(saves to .*tfp-busy-.*are in progress\); retry the load\. Last failure: fileSystem: cannot read weights .*weights\.7\.bin: ENOENT/);
  });
});
