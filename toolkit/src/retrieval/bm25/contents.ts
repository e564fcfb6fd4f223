/** Where a searcher finds the `contents` of a hit: in memory, or read from contents.bin per hit. */
import { closeSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export interface ContentsSource {
  get(doc: number): string;
  close(): void;
}

/** Contents held as strings (the in-memory build). */
export class MemoryContents implements ContentsSource {
  constructor(private readonly contents: readonly string[]) {}

  get(doc: number): string {
    return this.contents[doc] ?? '';
  }

  close(): void {}
}

/** Contents in contents.bin: loaded whole when under `preloadBytes`, else one positioned read per hit. */
export class FileContents implements ContentsSource {
  private fd: number | undefined;
  private constructor(
    private readonly path: string,
    private readonly offsets: Float64Array,
    private readonly whole: Buffer | undefined,
  ) {}

  static async open(path: string, offsets: Float64Array, preloadBytes: number): Promise<FileContents> {
    const total = offsets[offsets.length - 1] ?? 0;
    return new FileContents(path, offsets, total <= preloadBytes ? await readFile(path) : undefined);
  }

  get(doc: number): string {
    const start = this.offsets[doc] as number;
    const end = this.offsets[doc + 1] as number;
    if (this.whole) return this.whole.toString('utf8', start, end);
    const bytes = Buffer.allocUnsafe(end - start);
    this.fd ??= openSync(this.path, 'r');
    let done = 0;
    while (done < bytes.length) {
      const read = readSync(this.fd, bytes, done, bytes.length - done, start + done);
      if (read === 0) throw new Error(`${this.path} is truncated (passage ${doc})`);
      done += read;
    }
    return bytes.toString('utf8');
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
