// Files written by the CLI appear whole or not at all, through the package's one atomic writer
// (src/io/atomic.ts: a unique temporary name in the same directory, fsync, rename).
import * as fs from 'node:fs';
import * as path from 'node:path';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

/** Where `train` saves and the other commands look by default (runs/ is git-ignored). */
export const DEFAULT_MODEL_DIR = 'runs/bnn-mnist';

export {writeFileAtomic, writeFilesAtomic} from '../io/atomic.js';

/**
 * Makes sure `dir` exists (creating it) and is writable, before any long computation starts.
 * Throws `ValueError` naming the option otherwise.
 */
export function ensureWritableDir(owner: string, option: string, dir: string): string {
  const abs = path.resolve(dir);
  try {
    fs.mkdirSync(abs, {recursive: true});
    if (!fs.statSync(abs).isDirectory()) throw new Error('not a directory');
    const probe = path.join(abs, `.write-probe.${process.pid}.tmp`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (e) {
    throw new ValueError(`${owner}: ${option} must be a writable directory; got ${fmt(dir)} ` +
        `(${e instanceof Error ? e.message : String(e)}).`);
  }
  return abs;
}

/** Reads a JSON file, throwing `ValueError` naming `what` if it is missing or not JSON. */
export function readJson(owner: string, what: string, file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ValueError(`${owner}: ${what} must be a readable file; got ${fmt(file)} ` +
        `(${e instanceof Error ? e.message : String(e)}).`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ValueError(`${owner}: ${what} must be valid JSON; got ${fmt(file)} ` +
        `(${e instanceof Error ? e.message : String(e)}).`);
  }
}
