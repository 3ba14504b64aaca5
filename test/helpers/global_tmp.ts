// Vitest global setup: every test run gets one temporary directory (TMPDIR, which os.tmpdir()
// reads and forked workers and child processes inherit), removed when the run ends, so the
// ~1,900 directories the file and crash tests create do not pile up in the system's /tmp.
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'tfp-test-run-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, {recursive: true, force: true});
  };
}
