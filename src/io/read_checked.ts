// Reading the files of a model folder as data from an untrusted source: each name must resolve
// (links followed) to a regular file directly inside the folder; it is checked with stat before it
// is opened (a FIFO would block the open, a device never ends), opened non-blocking without
// following a link, checked again on the open handle, and read for exactly its size, never to EOF.
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

type NodeFs = typeof import('node:fs/promises');
type NodePath = typeof import('node:path');
type Stats = Awaited<ReturnType<NodeFs['stat']>>;

/** A file of the folder, opened and checked, not read yet. */
export interface CheckedFile {
  /** The name as given (for messages). */
  file: string;
  /** Its real path. */
  real: string;
  size: number;
  handle: Awaited<ReturnType<NodeFs['open']>>;
}

function kind(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Opens `file` (what: "weights", "model.json") after checking that it resolves to a regular file
 * directly inside `folder` (a real path). Throws ValueError naming the file and what it is.
 */
export async function openChecked(fs: NodeFs, path: NodePath, owner: string, what: string, file: string,
    folder: string): Promise<CheckedFile> {
  let real: string;
  try {
    real = await fs.realpath(file);
  } catch (e) {
    throw new ValueError(`${owner}: cannot read ${what} ${file}: ${(e as Error).message}.`);
  }
  if (path.dirname(real) !== folder) {
    throw new ValueError(`${owner}: ${what} ${fmt(file)} must be a regular file inside the model ` +
        `folder ${folder}; it resolves to ${fmt(real)}.`);
  }
  const before = await fs.stat(real).catch((e: Error) => {
    throw new ValueError(`${owner}: cannot read ${what} ${file}: ${e.message}.`);
  });
  if (!before.isFile()) {
    throw new ValueError(`${owner}: ${what} ${fmt(file)} must be a regular file; got ${kind(before)}.`);
  }
  const c = fs.constants;
  // O_NONBLOCK: a FIFO swapped in after the stat opens at once instead of blocking (and is refused
  // below); O_NOFOLLOW: so is a link swapped in for the real path. Windows has neither flag.
  const flags = c.O_RDONLY | (c.O_NONBLOCK ?? 0) | (c.O_NOFOLLOW ?? 0);
  let handle: CheckedFile['handle'];
  try {
    handle = await fs.open(real, flags);
  } catch (e) {
    throw new ValueError(`${owner}: cannot read ${what} ${file}: ${(e as Error).message}.`);
  }
  try {
    const s = await handle.stat();
    if (!s.isFile()) {
      throw new ValueError(`${owner}: ${what} ${fmt(file)} must be a regular file; got ${kind(s)}.`);
    }
    return {file, real, size: s.size, handle};
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/** Reads exactly `f.size` bytes of `f` into `into` at `offset` (a file that shrank is an error). */
export async function readChecked(owner: string, what: string, f: CheckedFile, into: Uint8Array,
    offset: number): Promise<void> {
  let done = 0;
  while (done < f.size) {
    const {bytesRead} = await f.handle.read(into, offset + done, f.size - done, done);
    if (bytesRead === 0) {
      throw new ValueError(`${owner}: ${what} ${f.file} ended after ${done} of its ${f.size} bytes ` +
          '(truncated while being read).');
    }
    done += bytesRead;
  }
}

/** Opens, checks and reads a whole small file (model.json), at most `maxBytes` long. */
export async function readSmallFile(fs: NodeFs, path: NodePath, owner: string, what: string, file: string,
    folder: string, maxBytes: number, option: string): Promise<Uint8Array> {
  const f = await openChecked(fs, path, owner, what, file, folder);
  try {
    if (f.size > maxBytes) {
      throw new ValueError(`${owner}: ${what} ${file} has ${f.size} bytes; ${option} allows at most ` +
          `${maxBytes} (raise ${option} for a larger file).`);
    }
    const bytes = new Uint8Array(f.size);
    await readChecked(owner, what, f, bytes, 0);
    return bytes;
  } finally {
    await f.handle.close();
  }
}
