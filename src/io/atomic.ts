// The one atomic file writer of the package (tfp.io, tfp.nn's variablesSave, the CLI): each file is
// written to a temporary sibling with a name no other writer can share (process id + a random
// UUID), flushed to disk, then renamed over the target (rename is atomic within one file system).
// A failed write removes its temporary file and leaves the target as it was. Also the bounded
// directory creation every writer uses (Node's recursive mkdir never returns on /proc).
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {importHidden, nodeFsPath} from '../util/env.js';

type NodeFs = typeof import('node:fs/promises');
type NodePath = typeof import('node:path');

async function nodeModules(owner: string): Promise<{fs: NodeFs; path: NodePath}> {
  const m = await nodeFsPath();
  if (m === null) {
    throw new ValueError(`${owner}: file paths need Node.js; use tf.io.browserFiles or an in-memory ` +
        'handler in a browser.');
  }
  return m;
}

/** A temporary name beside `file` that no concurrent writer (thread, process) can pick too. */
export async function temporarySibling(file: string): Promise<string> {
  const {path} = await nodeModules('writeFileAtomic');
  const c = (globalThis as {crypto?: {randomUUID?: () => string}}).crypto;
  const unique = typeof c?.randomUUID === 'function' ? c.randomUUID() :
    (await importHidden<typeof import('node:crypto')>('node:crypto')).randomUUID();
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${unique}.tmp`);
}

const TEMPORARY = /^\.(.+)\.(\d+)\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.tmp$/;

/**
 * The target name and writer pid of a {@link temporarySibling}'s base name, or null for any other
 * name, so that a later writer can remove what a killed one left behind.
 */
export function parseTemporarySibling(name: string): {target: string; pid: number} | null {
  const m = TEMPORARY.exec(name);
  return m === null ? null : {target: m[1] as string, pid: Number(m[2])};
}

async function writeDurably(fs: NodeFs, tmp: string, data: string | Uint8Array): Promise<void> {
  // 'wx': never reuse an existing file, even if a name were to repeat.
  const handle = await fs.open(tmp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `data` to `file` atomically: a unique temporary sibling, fsync, then rename over the target. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await writeFilesAtomic([[file, data]]);
}

/**
 * Writes several files so that none is renamed into place unless all were written (each rename is
 * atomic; a crash between two renames leaves some files new and some old, never a torn file).
 */
export async function writeFilesAtomic(files: ReadonlyArray<readonly [string, string | Uint8Array]>): Promise<void> {
  const {fs} = await nodeModules('writeFileAtomic');
  const tmps: string[] = [];
  try {
    for (const [file, data] of files) {
      const tmp = await temporarySibling(file);
      tmps.push(tmp);
      await writeDurably(fs, tmp, data);
    }
    for (let i = 0; i < files.length; i++) await fs.rename(tmps[i]!, files[i]![0]);
  } catch (e) {
    await Promise.all(tmps.map((t) => fs.rm(t, {force: true})));
    throw e;
  }
}

/** fsync of a directory, so that its renames survive a power loss (best effort: not on every OS). */
export async function syncDir(dir: string): Promise<void> {
  const {fs} = await nodeModules('syncDir');
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Directories cannot be opened for fsync on some platforms (Windows); renames stay atomic.
  }
}

type StatLike = {isDirectory(): boolean};
function errorCode(e: unknown): string | undefined {
  return (e as {code?: unknown} | null)?.code as string | undefined;
}

function dirError(owner: string, option: string, dir: string, why: string): ValueError {
  return new ValueError(`${owner}: ${option} must be a directory that exists or can be created; ` +
      `got ${fmt(dir)} (${why}).`);
}

/**
 * The steps of a bounded `mkdir -p`: stat upwards to the deepest existing ancestor (at most one
 * step per path component), then create each missing level with a plain mkdir. Node's
 * `mkdir(…, {recursive: true})` loops forever where mkdir fails with ENOENT under an existing
 * parent (/proc, some FUSE file systems); here that is an error naming the level.
 */
function* ensureDirSteps(owner: string, option: string, dir: string, path: NodePath):
    Generator<{stat: string} | {mkdir: string}, string, {ok: boolean; isDir?: boolean; error?: unknown}> {
  const abs = path.resolve(dir);
  const missing: string[] = [];
  for (let p = abs; ; p = path.dirname(p)) {
    const r = yield {stat: p};
    if (r.ok) {
      if (r.isDir !== true) throw dirError(owner, option, dir, `${p} exists and is not a directory`);
      break;
    }
    if (errorCode(r.error) !== 'ENOENT' || path.dirname(p) === p) {
      throw dirError(owner, option, dir, `cannot stat ${p}: ${(r.error as Error).message}`);
    }
    missing.push(p);
  }
  for (const p of missing.reverse()) {
    const r = yield {mkdir: p};
    if (r.ok) continue;
    if (errorCode(r.error) === 'EEXIST') {
      // Another writer made it first: fine if it is a directory.
      const s = yield {stat: p};
      if (s.ok && s.isDir === true) continue;
    }
    const hint = errorCode(r.error) === 'ENOENT' ?
      '; its parent exists, so this file system does not allow new directories (e.g. /proc)' : '';
    throw dirError(owner, option, dir, `cannot create ${p}: ${(r.error as Error).message}${hint}`);
  }
  return abs;
}

/**
 * Creates `dir` and its missing parents (a bounded `mkdir -p`) and returns its absolute path.
 * Throws `ValueError` naming `owner`, `option` and the level that cannot be made, where Node's
 * recursive mkdir would hang (/proc) or fail with an untyped error.
 *
 * @example
 * const out = await ensureDir('runs/a/b', 'train', '--out');
 */
export async function ensureDir(dir: string, owner = 'ensureDir', option = 'dir'): Promise<string> {
  const {fs, path} = await nodeModules(owner);
  const steps = ensureDirSteps(owner, option, dir, path);
  let next = steps.next({ok: true});
  while (next.done !== true) {
    const step = next.value;
    try {
      if ('stat' in step) next = steps.next({ok: true, isDir: (await fs.stat(step.stat)).isDirectory()});
      else next = steps.next({ok: (await fs.mkdir(step.mkdir), true)});
    } catch (error) {
      if (error instanceof ValueError) throw error;
      next = steps.next({ok: false, error});
    }
  }
  return next.value;
}

/**
 * {@link ensureDir} with synchronous calls, for callers that cannot await (the CLI's argument
 * checks). Node's `fs` and `path` are passed in, since this module never imports them statically.
 */
export function ensureDirSync(fs: {statSync(p: string): StatLike; mkdirSync(p: string): unknown}, path: NodePath,
    dir: string, owner = 'ensureDir', option = 'dir'): string {
  const steps = ensureDirSteps(owner, option, dir, path);
  let next = steps.next({ok: true});
  while (next.done !== true) {
    const step = next.value;
    try {
      if ('stat' in step) next = steps.next({ok: true, isDir: fs.statSync(step.stat).isDirectory()});
      else next = steps.next({ok: (fs.mkdirSync(step.mkdir), true)});
    } catch (error) {
      if (error instanceof ValueError) throw error;
      next = steps.next({ok: false, error});
    }
  }
  return next.value;
}
