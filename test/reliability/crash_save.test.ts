// Atomic checkpoints: child processes save a model to a directory in a loop and are killed with
// SIGKILL at random moments; the directory must always load intact, with every weight from one
// and the same save, no older than the last save the child reported as finished, and the next save
// must clean up what the kill left (temporaries, old weights, the dead writer's lock).
import {spawn} from 'node:child_process';
import {mkdtempSync, readdirSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import * as tf from '@tensorflow/tfjs';
import {afterAll, describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {testSeed} from '../helpers/oracles.js';

const CHILDREN = 10;
const SCRIPT = join(import.meta.dirname, 'helpers', 'save_loop.ts');
const FIGURES: Array<{alternate: boolean; killedAfterMs: number; lastStarted: number; lastSaved: number; loaded: number; leftovers: number}> = [];
afterAll(() => {
  console.log(`crash-during-save cases: ${JSON.stringify(FIGURES)}`);
});

/** A small seeded generator (mulberry32) for the kill moments. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Run {
  dir: string;
  alternate: boolean;
  killedAfterMs: number;
  lastStarted: number;
  lastSaved: number;
}

/** Starts the save loop in `dir`, kills it with SIGKILL `delayMs` after its first finished save. */
function crashRun(dir: string, delayMs: number, alternate: boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    // `node --import tsx`: one process, so SIGKILL hits the writer itself (the tsx CLI would fork).
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, dir, alternate ? 'alternate' : 'same'], {stdio: ['ignore', 'pipe', 'pipe']});
    let lastStarted = 0;
    let lastSaved = 0;
    let armed = false;
    let buffer = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const [what, k] = line.split(' ');
        if (what === 'start') lastStarted = Number(k);
        if (what === 'saved') lastSaved = Number(k);
      }
      if (!armed && lastSaved > 0) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.on('error', reject);
    // 'close', not 'exit': 'exit' may come before the last stdout lines are read.
    child.on('close', (_code, signal) => {
      if (signal !== 'SIGKILL') {
        reject(new Error(`save loop in ${dir} ended without being killed (signal ${String(signal)}): ${stderr}`));
        return;
      }
      resolve({dir, alternate, killedAfterMs: delayMs, lastStarted, lastSaved});
    });
  });
}

describe('crash during save (SIGKILL at random moments)', () => {
  it(`${CHILDREN} killed save loops each leave a model that loads intact`, async () => {
    const random = rng(testSeed(8));
    const dirs = Array.from({length: CHILDREN}, () => mkdtempSync(join(tmpdir(), 'tfp-crash-')));
    // A previous model (every weight 0) exists before the loop starts.
    const base = tf.sequential({layers: [tfp.layers.denseFlipout({units: 256, inputShape: [256], seed: 1})]});
    base.setWeights(base.getWeights().map((w) => tf.zerosLike(w)));
    for (const dir of dirs) await base.save(tfp.io.fileSystem(dir));
    // Even-numbered children alternate between two layouts (256 and 128 units) from save to save.
    const runs = await Promise.all(dirs.map((dir, i) => crashRun(dir, Math.floor(20 + random() * 600), i % 2 === 0)));
    for (const run of runs) {
      const model = await tfp.io.loadLayersModel(join(run.dir, 'model.json'));
      const values = new Set<number>();
      for (const w of model.getWeights()) for (const v of w.dataSync()) values.add(v);
      // One save's weights only; not older than the last reported save; not newer than the last begun.
      expect(values.size, JSON.stringify(run)).toBe(1);
      const loaded = [...values][0] as number;
      // The layout is the one of save number `loaded` (k odd or a same-layout child: 256 units).
      const units = run.alternate && loaded % 2 === 0 ? 128 : 256;
      expect(model.layers[0]?.computeOutputShape([null, 256])).toEqual([null, units]);
      expect(loaded).toBeGreaterThanOrEqual(run.lastSaved);
      expect(loaded).toBeLessThanOrEqual(run.lastStarted);
      // What the kill left (temporaries, a second weights file, a lock whose pid is gone) goes with
      // the next save, which must not wait for the dead writer's lock.
      const leftovers = readdirSync(run.dir).filter((f) => f !== 'model.json').length - 1;
      await base.save(tfp.io.fileSystem(run.dir, {lockTimeoutMs: 10_000}));
      const after = readdirSync(run.dir).sort();
      expect(after, JSON.stringify(run)).toHaveLength(2);
      expect(after[0], JSON.stringify(run)).toBe('model.json');
      expect(after[1], JSON.stringify(run)).toMatch(/^weights\.[0-9a-f-]{36}\.bin$/);
      FIGURES.push({alternate: run.alternate, killedAfterMs: run.killedAfterMs, lastStarted: run.lastStarted, lastSaved: run.lastSaved, loaded, leftovers});
      model.dispose();
    }
    base.dispose();
  });
});
