/**
 * The lab world as files: the exact bytes of each, so that writing and checking a
 * directory (`s3lab lab-world --check`) compare the same thing.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAll, writeFileAtomically } from '../../core/atomic-file.js';
import { SPLITS, type LabWorld } from './generate.js';

/** One JSON object per line, keys in insertion order, `\n` after every line. */
export function toJsonl(records: readonly object[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join('');
}

/** corpus.jsonl and one JSONL file per split, keyed by file name. */
export function labWorldDataFiles(lab: LabWorld): Map<string, string> {
  const files = new Map<string, string>([['corpus.jsonl', toJsonl(lab.corpus)]]);
  for (const split of SPLITS) files.set(`${split}.jsonl`, toJsonl(lab.splits[split]));
  return files;
}

export interface FileEntry {
  bytes: number;
  lines: number;
  sha256: string;
}

export function describeFile(content: string): FileEntry {
  const buffer = Buffer.from(content, 'utf8');
  return { bytes: buffer.length, lines: content.split('\n').length - 1, sha256: createHash('sha256').update(buffer).digest('hex') };
}

/** Writes each file atomically (temporary file, then rename): a crash never leaves a half-written file. */
export async function writeFilesAtomically(dir: string, files: Map<string, string>): Promise<void> {
  for (const [name, content] of files) {
    await writeFileAtomically(join(dir, name), (handle) => writeAll(handle, Buffer.from(content, 'utf8')));
  }
}

export interface FileDifference {
  file: string;
  /** 1-based line of the first difference, or undefined when the file is missing. */
  line: number | undefined;
  expected: string | undefined;
  actual: string | undefined;
}

/** The files of `dir` that differ from `files` (missing, or first differing line). */
export async function compareFiles(dir: string, files: Map<string, string>): Promise<FileDifference[]> {
  const differences: FileDifference[] = [];
  for (const [name, expected] of files) {
    let actual: string;
    try {
      actual = await readFile(join(dir, name), 'utf8');
    } catch {
      differences.push({ file: name, line: undefined, expected: undefined, actual: undefined });
      continue;
    }
    if (actual === expected) continue;
    const want = expected.split('\n');
    const got = actual.split('\n');
    const line = want.findIndex((l, i) => l !== got[i]);
    const at = line < 0 ? want.length : line;
    differences.push({ file: name, line: at + 1, expected: want[at], actual: got[at] });
  }
  return differences;
}
