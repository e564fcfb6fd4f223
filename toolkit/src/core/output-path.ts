/**
 * Checking, before any work starts, that a command can write where the user told it to: a
 * directory or file path named by a flag (`--out`, `--cache`, …). A bad place is one line naming
 * the flag, the path and the reason (an {@link InputError}), instead of a stack trace minutes
 * later, or worse: `mkdir -p` under `/proc` never returns (Node's recursive mkdir loops there at
 * 100% CPU), so special file systems are refused before anything is created.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, realpath, rmdir, stat, statfs, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { InputError } from './input-error.js';

/** What the path names: a directory the command writes into, or a file it writes. */
export type OutputKind = 'directory' | 'file';

/** Options of {@link checkOutputPath}. */
export interface CheckOutputOptions {
  /** Names the path in messages (a flag such as `--out`); default `output`. */
  label?: string;
  /** Default `'directory'`. */
  kind?: OutputKind;
}

// Kernel views, not storage: writes there fail in odd ways or change the system. /dev/shm is the
// exception: ordinary memory-backed storage that people do write to.
const SPECIAL_ROOTS = ['/proc', '/sys', '/dev'];
const STORAGE_UNDER_SPECIAL_ROOTS = ['/dev/shm'];

/** Linux `statfs` magic numbers of pseudo file systems (linux/magic.h), wherever they are mounted. */
const SPECIAL_FILE_SYSTEMS = new Map<number, string>([
  [0x9fa0, 'procfs'], [0x62656572, 'sysfs'], [0x1cd1, 'devpts'], [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'], [0x73636673, 'securityfs'], [0x27e0eb, 'cgroup'], [0x63677270, 'cgroup2'],
  [0xcafe4a11, 'bpf'], [0x62656570, 'configfs'], [0x6165676c, 'pstore'], [0xde5e81e4, 'efivarfs'],
  [0x65735543, 'fusectl'], [0x42494e4d, 'binfmt_misc'], [0x19800202, 'mqueue'], [0xf97cff8c, 'selinuxfs'],
  [0x6e736673, 'nsfs'],
]);

/** Why a write failed, in words, by errno code; the code itself is appended. */
const WRITE_FAILURES: Record<string, string> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  EEXIST: 'already exists',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  ENAMETOOLONG: 'name too long',
  EFBIG: 'file too large',
  EINVAL: 'invalid argument',
};

/**
 * Why a file-system call failed, as a short phrase with its code: `read-only file system (EROFS)`.
 * An `fsync` refused with `EINVAL` is a file system that cannot make data durable (a pipe, some FUSE mounts).
 *
 * @example
 * ```ts
 * describeFileFailure(Object.assign(new Error('x'), { code: 'ENOSPC', syscall: 'write' })); // 'no space left on device (ENOSPC)'
 * ```
 */
export function describeFileFailure(error: NodeJS.ErrnoException): string {
  const code = error.code ?? '';
  if (code === 'EINVAL' && (error.syscall === 'fsync' || error.syscall === 'fdatasync')) return 'the file system does not support fsync (EINVAL)';
  const words = WRITE_FAILURES[code];
  if (words) return `${words} (${code})`;
  // Node's own message repeats the syscall and path; keep only its reason.
  const reason = error.message.replace(/^[A-Z]+: /u, '').replace(/, \w+ '[^']*'(?: -> '[^']*')?$/u, '');
  return code ? `${reason} (${code})` : reason;
}

/**
 * Checks that `path` can be written as the kind of output it is, creating nothing that stays:
 * it must not be on a special file system (`/proc`, `/sys`, `/dev`, or a procfs, sysfs, … mount
 * anywhere), no part of it may be a file, a directory output must not be a file (and a file
 * output not a directory), and a probe must succeed: the directory (or the file's directory) is
 * created, a small file is written, fsynced and removed, then the directories the probe created
 * are removed again. Throws an {@link InputError} naming the label, the path and the reason.
 *
 * @example
 * ```ts
 * import { checkOutputPath } from '@s3lab/toolkit';
 * await checkOutputPath('out/eval-lab', { label: '--out' });
 * await checkOutputPath('/proc/x', { label: '--out' }); // throws: --out /proc/x: /proc is a kernel file system, …
 * ```
 */
export async function checkOutputPath(path: string, options: CheckOutputOptions = {}): Promise<void> {
  const label = options.label ?? 'output';
  const kind = options.kind ?? 'directory';
  const refuse = (reason: string): never => {
    throw new InputError(`${label} ${path}: ${reason}`);
  };
  const absolute = resolve(path);
  const existing = await nearestExisting(absolute).catch((error: NodeJS.ErrnoException) => refuse(`cannot write there: ${describeFileFailure(error)}`));
  // Checked on the real path too, so a symbolic link into /proc is caught as well.
  const real = await realpath(existing.path).catch(() => existing.path);
  for (const root of SPECIAL_ROOTS) {
    if ((isUnder(absolute, root) || isUnder(real, root)) && !STORAGE_UNDER_SPECIAL_ROOTS.some((storage) => isUnder(real, storage))) refuse(`${root} is a kernel file system, not a place for output; choose a directory on a disk`);
  }
  // The magic numbers are Linux's; other systems number their file systems otherwise.
  const fileSystem = process.platform !== 'linux' ? undefined : await statfs(existing.path).then((s) => SPECIAL_FILE_SYSTEMS.get(Number(s.type)), () => undefined);
  if (fileSystem) refuse(`${existing.path} is on a ${fileSystem} file system, not a place for output; choose a directory on a disk`);
  if (existing.path === absolute) {
    if (kind === 'directory' && !existing.isDirectory) refuse('is a file; expected a directory (or a path to create one at)');
    if (kind === 'file' && existing.isDirectory) refuse('is a directory; expected a file path');
  } else if (!existing.isDirectory) {
    refuse(`${existing.path} is a file, so nothing can be created under it`);
  }
  const directory = kind === 'directory' ? absolute : dirname(absolute);
  try {
    await probeWritable(directory);
  } catch (error) {
    refuse(`cannot write there: ${describeFileFailure(error as NodeJS.ErrnoException)}`);
  }
}

/**
 * The path itself if it exists, else its nearest existing ancestor. Throws when a path cannot be
 * looked at (EACCES on a parent): then it is neither known to exist nor to be missing.
 */
async function nearestExisting(absolute: string): Promise<{ path: string; isDirectory: boolean }> {
  for (let path = absolute; ; path = dirname(path)) {
    const found = await statIfExists(path);
    if (found) return { path, isDirectory: found.isDirectory() };
    if (dirname(path) === path) return { path, isDirectory: true };
  }
}

/** `stat`, or undefined when nothing is there (ENOENT, or ENOTDIR: a parent is a file). */
async function statIfExists(path: string): Promise<Awaited<ReturnType<typeof stat>> | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

function isUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}${sep}`);
}

/**
 * Creates the missing directories one level at a time (never `mkdir -p`, see above), writes,
 * fsyncs and removes a probe file, then removes what it created, deepest first.
 */
async function probeWritable(directory: string): Promise<void> {
  const missing: string[] = [];
  for (let path = directory; !(await statIfExists(path)); path = dirname(path)) missing.unshift(path);
  const created: string[] = [];
  try {
    for (const path of missing) {
      await mkdir(path);
      created.push(path);
    }
    const probe = join(directory, `.s3lab-write-probe.${process.pid}.${randomBytes(4).toString('hex')}`);
    const handle = await open(probe, 'wx');
    try {
      await handle.write('s3lab\n');
      await handle.sync();
    } finally {
      await handle.close();
      await unlink(probe).catch(() => undefined);
    }
  } finally {
    for (const path of created.reverse()) await rmdir(path).catch(() => undefined);
  }
}
