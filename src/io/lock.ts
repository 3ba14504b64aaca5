// One save at a time per model folder: a promise chain per folder inside this process, and across
// processes an exclusive lock file in the folder (created in one step, holding pid, host and a
// token), refreshed while held. A lock whose process is gone, or that has not been refreshed for
// `staleMs`, is broken; a save that cannot get the lock within `timeoutMs` fails with
// ModelLockedError naming the lock file and its holder.
import {fmt} from '../util/format.js';
import {importHidden, nodeFsPath} from '../util/env.js';
import {ValueError} from '../util/errors.js';

import {temporarySibling} from './atomic.js';
import {ModelLockedError} from './errors.js';

type NodeFs = typeof import('node:fs/promises');
type NodePath = typeof import('node:path');

/** The lock file's name inside the folder it guards. */
export const LOCK_FILE = '.tfp-save.lock';

/** How long a lock may go unrefreshed before another save breaks it (ms). */
export const DEFAULT_STALE_LOCK_MS = 60_000;
/** How long a save waits for the lock of its folder (ms). */
export const DEFAULT_LOCK_TIMEOUT_MS = 120_000;

export interface FolderLockOptions {
  /** Who asks, for messages: `fileSystem`. */
  owner: string;
  /** Longest total wait for the lock (in-process queue included), ms. */
  timeoutMs: number;
  /** A lock not refreshed for this long is stale, ms. The holder refreshes it every staleMs / 4. */
  staleMs: number;
}

interface LockInfo {
  text: string;
  mtimeMs: number;
  pid: number | null;
  host: string | null;
  token: string | null;
}

/** Tails of the in-process queues, one per folder (its real path). */
const queues = new Map<string, Promise<void>>();
/** Tokens of the locks this process holds now. */
const heldTokens = new Set<string>();

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function errorCode(e: unknown): string | undefined {
  return (e as {code?: unknown} | null)?.code as string | undefined;
}

/** The most bytes of a lock file read (ours are ~150). */
const MAX_LOCK_BYTES = 4096;

async function readLock(fs: NodeFs, file: string, owner: string): Promise<LockInfo | null> {
  try {
    // lstat before opening: a FIFO or a link planted under the lock's name must not block or redirect.
    const stat = await fs.lstat(file);
    if (!stat.isFile()) {
      throw new ValueError(`${owner}: the lock file ${file} must be a regular file; remove it (got ` +
          `${stat.isSymbolicLink() ? 'a symbolic link' : 'another kind of file'}).`);
    }
    const handle = await fs.open(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOFOLLOW ?? 0));
    let text: string;
    try {
      const buffer = new Uint8Array(Math.min(MAX_LOCK_BYTES, stat.size));
      const {bytesRead} = await handle.read(buffer, 0, buffer.length, 0);
      text = new TextDecoder().decode(buffer.subarray(0, bytesRead));
    } finally {
      await handle.close();
    }
    let parsed: {pid?: unknown; host?: unknown; token?: unknown} = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // Empty or partly written (its writer is between 'wx' and write): judged by age alone.
    }
    return {
      text,
      mtimeMs: stat.mtimeMs,
      pid: Number.isSafeInteger(parsed?.pid) ? parsed.pid as number : null,
      host: typeof parsed?.host === 'string' ? parsed.host : null,
      token: typeof parsed?.token === 'string' ? parsed.token : null,
    };
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return null;
    if (e instanceof ValueError) throw e;
    throw new ValueError(`${owner}: cannot read the lock file ${file}: ${(e as Error).message}.`);
  }
}

/** Whether process `pid` exists on this host (EPERM: it does, under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errorCode(e) === 'EPERM';
  }
}

/** An unreadable lock (a crash between 'wx' and write, where there are no hard links) this old is stale. */
const EMPTY_LOCK_STALE_MS = 5_000;

function isStale(info: LockInfo, host: string, staleMs: number): boolean {
  const age = Date.now() - info.mtimeMs;
  if (age > staleMs || (info.token === null && age > Math.min(staleMs, EMPTY_LOCK_STALE_MS))) return true;
  if (info.host !== host || info.pid === null) return false;
  // Our own pid with a token we do not hold: left by an earlier process that had this pid
  // (containers restart with the same pids).
  if (info.pid === process.pid) return info.token === null || !heldTokens.has(info.token);
  return !processAlive(info.pid);
}

/**
 * Breaks the stale lock `seen`: renames the lock file away (atomic, so one breaker wins) and checks
 * that what it moved is the lock it judged; a fresh lock that replaced it in between is put back.
 */
async function breakLock(fs: NodeFs, file: string, seen: LockInfo): Promise<void> {
  const grave = `${file}.${process.pid}.${globalThis.crypto.randomUUID()}.stale`;
  try {
    await fs.rename(file, grave);
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return;
    throw new ValueError(`lock: cannot break the stale lock ${file}: ${(e as Error).message}.`);
  }
  const moved = (await readLock(fs, grave, 'lock').catch(() => null))?.text ?? seen.text;
  if (moved !== seen.text) await fs.link(grave, file).catch(() => undefined);
  await fs.rm(grave, {force: true});
}

/** The breaker's pid of a lock renamed away by breakLock (`.tfp-save.lock.<pid>.<uuid>.stale`), or null. */
export function parseStaleLock(name: string): {pid: number} | null {
  const m = /^\.tfp-save\.lock\.(\d+)\.[0-9a-f-]{36}\.stale$/.exec(name);
  return m === null ? null : {pid: Number(m[1])};
}

function describeHolder(info: LockInfo | null): string {
  if (info === null) return 'a holder that has just released it';
  const age = Math.round(Date.now() - info.mtimeMs);
  return `held by pid ${fmt(info.pid)} on ${fmt(info.host)}, refreshed ${age} ms ago`;
}

/** Errors of link() where the file system has no hard links (FAT, some network shares). */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EINVAL']);

/**
 * Creates the lock file with its content in one step, or returns false if a lock exists: the content
 * goes to a temporary sibling first, which is then hard-linked to the lock's name (link fails if the
 * name exists), so a crash never leaves an empty lock. Without hard links: 'wx', then write.
 */
async function createLock(fs: NodeFs, file: string, tmp: string, content: string, owner: string): Promise<boolean> {
  const fail = (e: unknown): never => {
    throw new ValueError(`${owner}: cannot create the lock file ${file}: ${(e as Error).message}; the folder ` +
        'must be writable.');
  };
  try {
    await fs.link(tmp, file);
    return true;
  } catch (e) {
    if (errorCode(e) === 'EEXIST') return false;
    if (!NO_LINKS.has(errorCode(e) ?? '')) fail(e);
  }
  let handle: Awaited<ReturnType<NodeFs['open']>>;
  try {
    handle = await fs.open(file, 'wx');
  } catch (e) {
    if (errorCode(e) === 'EEXIST') return false;
    return fail(e);
  }
  try {
    await handle.writeFile(content);
    await handle.close();
  } catch (e) {
    await handle.close().catch(() => undefined);
    await fs.rm(file, {force: true});
    fail(e);
  }
  return true;
}

async function acquire(fs: NodeFs, path: NodePath, dir: string, token: string, deadline: number,
    opts: FolderLockOptions): Promise<string> {
  const file = path.join(dir, LOCK_FILE);
  const host = (await importHidden<typeof import('node:os')>('node:os')).hostname();
  const content = JSON.stringify({pid: process.pid, host, token, time: new Date().toISOString()});
  const tmp = await temporarySibling(file);
  try {
    await fs.writeFile(tmp, content, {flag: 'wx'});
  } catch (e) {
    throw new ValueError(`${opts.owner}: cannot create the lock file ${file}: ${(e as Error).message}; ` +
        'the folder must be writable.');
  }
  try {
    for (let attempt = 0; ; attempt++) {
      if (await createLock(fs, file, tmp, content, opts.owner)) return file;
      const info = await readLock(fs, file, opts.owner);
      if (info === null) continue;
      if (isStale(info, host, opts.staleMs)) {
        await breakLock(fs, file, info);
        continue;
      }
      if (Date.now() >= deadline) {
        throw new ModelLockedError(`${opts.owner}: cannot save to ${dir}: its lock ${file} is ` +
            `${describeHolder(info)}, and another save has held it for longer than lockTimeoutMs = ` +
            `${opts.timeoutMs} ms. Retry, or remove the lock file if no save is running.`);
      }
      // Back off 2 … 50 ms, with jitter so that waiting processes do not poll in step.
      await sleep(Math.min(50, 2 + attempt * 2) * (0.5 + Math.random()));
    }
  } finally {
    await fs.rm(tmp, {force: true});
  }
}

async function release(fs: NodeFs, file: string, token: string): Promise<void> {
  const info = await readLock(fs, file, 'lock').catch(() => null);
  if (info?.token === token) await fs.rm(file, {force: true});
}

/**
 * Runs `task` while holding the save lock of `dir` (a real path): first in this process's queue for
 * the folder (joined at the call, so tasks run in call order), then the lock file. Throws
 * ModelLockedError when both waits together exceed `opts.timeoutMs`.
 */
export function withFolderLock<T>(dir: string, opts: FolderLockOptions, task: () => Promise<T>): Promise<T> {
  // Joins the folder's queue now, before any await, so that saves queue in call order.
  const deadline = Date.now() + opts.timeoutMs;
  const previous = queues.get(dir) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((resolve) => {
    done = resolve;
  });
  // The next save waits for this one and every one before it, even if this one gives up early.
  const tail = previous.then(() => mine);
  queues.set(dir, tail);
  return runQueued(dir, opts, task, deadline, previous, () => {
    done();
    if (queues.get(dir) === tail) queues.delete(dir);
  });
}

async function runQueued<T>(dir: string, opts: FolderLockOptions, task: () => Promise<T>, deadline: number,
    previous: Promise<void>, leave: () => void): Promise<T> {
  try {
    const m = await nodeFsPath();
    if (m === null) throw new ValueError(`${opts.owner}: file paths need Node.js.`);
    const {fs, path} = m;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
    });
    const first = await Promise.race([previous.then(() => 'ready' as const), timedOut]);
    clearTimeout(timer);
    if (first === 'timeout') {
      throw new ModelLockedError(`${opts.owner}: cannot save to ${dir}: earlier saves to it in this ` +
          `process have run for longer than lockTimeoutMs = ${opts.timeoutMs} ms. Retry later.`);
    }
    const token = globalThis.crypto.randomUUID();
    const file = await acquire(fs, path, dir, token, deadline, opts);
    heldTokens.add(token);
    const now = (): Date => new Date();
    const heartbeat = setInterval(() => {
      fs.utimes(file, now(), now()).catch(() => undefined);
    }, Math.max(10, Math.min(5_000, opts.staleMs / 4)));
    heartbeat.unref?.();
    try {
      return await task();
    } finally {
      clearInterval(heartbeat);
      heldTokens.delete(token);
      await release(fs, file, token);
    }
  } finally {
    leave();
  }
}
