#!/usr/bin/env node
// The `tfjs-probability` command: runs the CLI (src/cli/main.ts) through tsx, which ships with the
// development install; `npm start` is the same as `tfjs-probability train`.
import {spawnSync} from 'node:child_process';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let tsx;
try {
  tsx = createRequire(import.meta.url).resolve('tsx/cli');
} catch {
  process.stderr.write('tfjs-probability: the command line needs the package\'s development install (npm ci), which provides tsx.\n');
  process.exit(2);
}
const result = spawnSync(process.execPath, [tsx, join(root, 'src/cli/main.ts'), ...process.argv.slice(2)],
    {stdio: 'inherit'});
process.exit(result.status ?? 1);
