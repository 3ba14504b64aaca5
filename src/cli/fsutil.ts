// Files written by the CLI appear whole or not at all, through the package's one atomic writer
// (src/io/atomic.ts: a unique temporary name in the same directory, fsync, rename).
import * as fs from 'node:fs';
import * as path from 'node:path';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

/** Where `train` saves and the other commands look by default (runs/ is git-ignored). */
export const DEFAULT_MODEL_DIR = 'runs/bnn-mnist';

export {writeFileAtomic, writeFilesAtomic} from '../io/atomic.js';

/** Folders this process created through {@link ensureWritableDir}, in creation order. */
const created: string[] = [];

/**
 * Makes sure `dir` exists (creating it one level at a time: Node's recursive mkdir never returns
 * on /proc, where mkdir answers ENOENT for an existing parent) and is writable, before any long
 * computation starts. Throws `ValueError` naming the option otherwise. Folders it creates are
 * remembered, so that a failed command can remove them again ({@link removeCreatedEmptyDirs}).
 */
export function ensureWritableDir(owner: string, option: string, dir: string): string {
  const abs = path.resolve(dir);
  try {
    const missing: string[] = [];
    for (let d = abs; !fs.existsSync(d); d = path.dirname(d)) {
      if (path.dirname(d) === d) break;
      missing.unshift(d);
    }
    for (const d of missing) {
      fs.mkdirSync(d);
      created.push(d);
    }
    if (!fs.statSync(abs).isDirectory()) throw new Error('not a directory');
    const probe = path.join(abs, `.write-probe.${process.pid}.tmp`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (e) {
    removeCreatedEmptyDirs();
    throw new ValueError(`${owner}: ${option} must be a writable directory; got ${fmt(dir)} ` +
        `(${e instanceof Error ? e.message : String(e)}).`);
  }
  return abs;
}

/** Removes the folders {@link ensureWritableDir} created that are still empty (after a failure). */
export function removeCreatedEmptyDirs(): void {
  while (created.length > 0) {
    const d = created.pop()!;
    try {
      fs.rmdirSync(d);   // only if empty: a folder the command wrote into stays
    } catch {
      // not empty, or gone already
    }
  }
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
