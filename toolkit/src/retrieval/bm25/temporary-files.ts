/**
 * The temporary files a BM25 build keeps in its index directory, named so that a later build can
 * tell them from everything else there, and from another build's that is still running:
 *
 * ```
 * contents.bin.<pid>.tmp           the passages' text while it streams in (renamed to contents.bin)
 * .runs-<pid>-XXXXXX/              the sorted runs of a bounded-memory build (.runs-XXXXXX before the pid was in the name)
 * .bm25.bin.<pid>.<hex>.tmp        bm25.bin while it is written (writeFileAtomically's name)
 * ```
 *
 * A build killed with -9 cannot remove its own (the runs of a wiki-scale build are gigabytes);
 * the next build in the directory removes those whose process is gone.
 *
 * @example
 * ```ts
 * await removeAbandonedTemporaries('indexes/wiki18-bm25'); // ['.runs-4242-a1B2c3', 'contents.bin.4242.tmp']
 * ```
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CONTENTS_FILE } from './format.js';

/** Where this process streams contents.bin before renaming it. */
export function contentsTemporary(dir: string): string {
  return join(dir, `${CONTENTS_FILE}.${process.pid}.tmp`);
}

/** The `mkdtemp` prefix of this process's directory of sorted runs. */
export function runsPrefix(dir: string): string {
  return join(dir, `.runs-${process.pid}-`);
}

/** Each temporary name, with the pid it carries (none in the runs directories of older builds). */
const TEMPORARY_NAMES: readonly RegExp[] = [
  /^contents\.bin\.(\d+)\.tmp$/u,
  /^\.runs-(?:(\d+)-)?[A-Za-z0-9]{6}$/u,
  /^\.bm25\.bin\.(\d+)\.[0-9a-f]{8}\.tmp$/u,
];

/**
 * Removes the temporary files and run directories of BM25 builds that died in `dir` (those whose
 * process is no longer running) and returns their names; nothing else in `dir` is touched.
 */
export async function removeAbandonedTemporaries(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const abandoned = names.filter((name) => {
    for (const pattern of TEMPORARY_NAMES) {
      const match = pattern.exec(name);
      if (match) return match[1] === undefined || !isRunning(Number(match[1]));
    }
    return false;
  });
  for (const name of abandoned) await rm(join(dir, name), { recursive: true, force: true });
  return abandoned;
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
