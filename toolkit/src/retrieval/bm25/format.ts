/**
 * The on-disk BM25 index: a directory with two files.
 *
 * `bm25.bin`: the 8 bytes `S3LBM25\n`, a little-endian uint32 header length, the header (UTF-8
 * JSON: format version, statistics, parameters, analyzer, and for every section its offset, byte
 * length and element type), then the sections, each 8-byte aligned and little-endian, exactly the
 * arrays of {@link Bm25Arrays} plus `contentsOffsets` (Float64, documents + 1) into the second file.
 * Opening reads each section straight into its typed array (one read per section, no parsing, no
 * per-term objects), into SharedArrayBuffers when worker threads will share them.
 *
 * `contents.bin`: every passage's `contents` in UTF-8, concatenated in corpus order; read per hit
 * (or loaded whole when small), so a wiki-scale corpus text stays on disk.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAll, writeFileAtomically } from '../../core/atomic-file.js';
import type { Bm25Arrays, Bm25Data, Bm25Stats } from './index-data.js';

export const INDEX_FILE = 'bm25.bin';
export const CONTENTS_FILE = 'contents.bin';
const MAGIC = Buffer.from('S3LBM25\n', 'latin1');
const FORMAT_VERSION = 1;
export const ANALYZER_NAME = 'lucene8-english: StandardTokenizer > EnglishPossessiveFilter > LowerCaseFilter > StopFilter(english) > PorterStemFilter';

type ElementType = 'u8' | 'u32' | 'f32' | 'f64';
const SECTIONS: readonly (readonly [keyof Bm25Arrays | 'contentsOffsets', ElementType])[] = [
  ['termBytes', 'u8'], ['termOffsets', 'u32'], ['termStarts', 'u32'], ['termMaxTf', 'f32'],
  ['postingDocs', 'u32'], ['postingFreqs', 'u8'], ['freqOverflowAt', 'u32'], ['freqOverflowValue', 'u32'],
  ['norms', 'u8'], ['idBytes', 'u8'], ['idOffsets', 'f64'], ['contentsOffsets', 'f64'],
];
const CONSTRUCTORS = { u8: Uint8Array, u32: Uint32Array, f32: Float32Array, f64: Float64Array } as const;

interface Header {
  format: 's3lab-bm25';
  version: number;
  analyzer: string;
  stats: Bm25Stats;
  sections: Record<string, { offset: number; bytes: number; type: ElementType }>;
}

/** Writes bm25.bin (atomically: a reader never sees half an index). contents.bin is written by the caller. */
export async function writeIndexFile(dir: string, data: Bm25Data, contentsOffsets: Float64Array): Promise<number> {
  const { stats, ...arrays } = data;
  return writeIndexSections(dir, stats, { ...arrays, contentsOffsets });
}

/** A section's bytes: an array in memory, or a file on disk (an external merge writes the large ones there). */
export type SectionSource = ArrayBufferView | { file: string; bytes: number };

/** Every section of bm25.bin, by name. */
export type IndexSections = Record<keyof Bm25Arrays | 'contentsOffsets', SectionSource>;

/** Writes bm25.bin from sections held in memory or in files, streaming the files. */
export async function writeIndexSections(dir: string, stats: Bm25Stats, sources: IndexSections): Promise<number> {
  const sections: Header['sections'] = {};
  let offset = 0;
  for (const [name, type] of SECTIONS) {
    const bytes = sourceBytes(sources[name]);
    sections[name] = { offset, bytes, type };
    offset = align8(offset + bytes);
  }
  const header: Header = { format: 's3lab-bm25', version: FORMAT_VERSION, analyzer: ANALYZER_NAME, stats, sections };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(align8(MAGIC.length + 4 + headerBytes.length));
  MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(headerBytes.length, MAGIC.length);
  headerBytes.copy(prefix, MAGIC.length + 4);
  const path = join(dir, INDEX_FILE);
  await writeFileAtomically(path, async (handle) => {
    await writeAll(handle, prefix);
    let written = 0;
    for (const [name] of SECTIONS) {
      const source = sources[name];
      const section = sections[name] as { offset: number; bytes: number };
      if (section.offset > written) await writeAll(handle, new Uint8Array(section.offset - written));
      if (ArrayBuffer.isView(source)) await writeAll(handle, new Uint8Array(source.buffer, source.byteOffset, source.byteLength));
      else await copyFileInto(handle, source.file, source.bytes);
      written = section.offset + section.bytes;
    }
  });
  return prefix.length + offset;
}

function sourceBytes(source: SectionSource): number {
  return ArrayBuffer.isView(source) ? source.byteLength : source.bytes;
}

async function copyFileInto(handle: FileHandle, file: string, bytes: number): Promise<void> {
  const input = await open(file, 'r');
  try {
    const chunk = Buffer.alloc(Math.min(bytes, 1 << 24));
    for (let done = 0; done < bytes;) {
      const { bytesRead } = await input.read(chunk, 0, Math.min(chunk.length, bytes - done), done);
      if (bytesRead === 0) throw new Error(`${file} is shorter than ${bytes} bytes`);
      await writeAll(handle, chunk.subarray(0, bytesRead));
      done += bytesRead;
    }
  } finally {
    await input.close();
  }
}

/** Reads bm25.bin; with `shared`, every array lives in a SharedArrayBuffer that worker threads can use without copies. */
export async function readIndexFile(dir: string, shared: boolean): Promise<{ data: Bm25Data; contentsOffsets: Float64Array }> {
  const path = join(dir, INDEX_FILE);
  const handle = await open(path, 'r');
  try {
    const start = Buffer.alloc(MAGIC.length + 4);
    await readExactly(handle, start, 0, path);
    if (!start.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error(`${path} is not an s3lab BM25 index (bad magic bytes)`);
    const headerLength = start.readUInt32LE(MAGIC.length);
    const headerBytes = Buffer.alloc(headerLength);
    await readExactly(handle, headerBytes, start.length, path);
    const header = JSON.parse(headerBytes.toString('utf8')) as Header;
    if (header.format !== 's3lab-bm25' || header.version !== FORMAT_VERSION) {
      throw new Error(`${path}: unsupported index format ${header.format} v${header.version} (this s3lab reads v${FORMAT_VERSION}); rebuild the index`);
    }
    const base = align8(start.length + headerLength);
    const arrays: Record<string, ArrayBufferView> = {};
    for (const [name, type] of SECTIONS) {
      const section = header.sections[name];
      if (!section || section.type !== type) throw new Error(`${path}: section ${name} missing or of the wrong type`);
      // The typings of this TypeScript lib do not let typed arrays take a SharedArrayBuffer; Node does.
      const buffer = (shared ? new SharedArrayBuffer(section.bytes) : new ArrayBuffer(section.bytes)) as ArrayBuffer;
      await readExactly(handle, new Uint8Array(buffer), base + section.offset, path);
      arrays[name] = new CONSTRUCTORS[type](buffer);
    }
    const { contentsOffsets, ...rest } = arrays;
    return { data: { stats: header.stats, ...(rest as unknown as Bm25Arrays) }, contentsOffsets: contentsOffsets as Float64Array };
  } finally {
    await handle.close();
  }
}

async function readExactly(handle: FileHandle, target: Uint8Array, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < target.length) {
    // Reads are capped below 2 GiB: larger single reads fail on Linux.
    const length = Math.min(target.length - done, 1 << 30);
    const { bytesRead } = await handle.read(target, done, length, position + done);
    if (bytesRead === 0) throw new Error(`${path} is truncated`);
    done += bytesRead;
  }
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
