/**
 * Files written whole or not at all: the content goes to a temporary file beside the
 * destination, is flushed to disk, then renamed over it. Rename within one directory is
 * atomic on POSIX file systems, so readers see the old file or the new one, never half.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Runs `write` on a fresh temporary file and, if it succeeds, puts the file at `path`.
 * If `write` throws, the temporary file is removed and `path` is left as it was.
 */
export async function writeFileAtomically<T>(path: string, write: (handle: FileHandle) => Promise<T>): Promise<T> {
  const directory = dirname(path);
  await mkdir(directory, { recursive: true });
  // Dot-prefixed and unique per process and call, so concurrent writers never share one.
  const temporary = join(directory, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx');
  try {
    const result = await write(handle);
    await handle.sync();
    await handle.close();
    await rename(temporary, path);
    return result;
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

/** Writes all of `bytes` at the handle's position (a write may be partial; loop until done). */
export async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}
