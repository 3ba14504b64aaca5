// The one atomic file writer of the package (tfp.io, tfp.nn's variablesSave, the CLI): each file is
// written to a temporary sibling with a name no other writer can share (process id + a random
// UUID), flushed to disk, then renamed over the target (rename is atomic within one file system).
// A failed write removes its temporary file and leaves the target as it was.
import {ValueError} from '../util/errors.js';
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
