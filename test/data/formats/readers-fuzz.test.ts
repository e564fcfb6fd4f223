/**
 * Property-based fuzzing of the readers every command goes through (JSONL: `readJsonl`,
 * `readCorpus`, `readQa`; parquet: `readParquet`/`readTrainingParquet`): whatever the bytes, a
 * read either gives records or fails with an `InputError` / `DataFormatError` that names the file
 * (and the line or row), never another exception and never a hang (each test has a timeout). The
 * corpus and QA checks (no empty file, unique ids) are compared with a plain `Set` oracle.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import {
  DataFormatError, InputError, readCorpus, readJsonl, readQa, readTrainingParquet, writeTrainingParquet,
  type DataProblem, type TrainingRowInput,
} from '@s3lab/toolkit';

const SEED = 42;
let dir: string;
let fileNumber = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 's3lab-readers-fuzz-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(bytes: Uint8Array | string, extension: string): Promise<string> {
  const path = join(dir, `f${fileNumber++}.${extension}`);
  await writeFile(path, bytes);
  return path;
}

function lineCount(bytes: Uint8Array | string): number {
  const buffer = Buffer.from(bytes);
  return buffer.length === 0 ? 0 : buffer.toString('latin1').split('\n').length;
}

/** What a reader returns (a `RecordStream`), as far as these tests use it. */
interface Records<T> { toArray(): Promise<T[]> }

/** The read's outcome: its records, or the (allowed) error, checked to name the file and a real line. */
async function outcome<T>(stream: Records<T>, path: string, lines: number): Promise<{ records: T[] } | { error: InputError | DataFormatError }> {
  try {
    return { records: await stream.toArray() };
  } catch (error) {
    if (error instanceof DataFormatError) {
      assert.equal(error.file, path);
      assert.ok(error.line !== undefined && error.line >= 1 && error.line <= lines, `line ${error.line} of ${lines}`);
      assert.ok(error.message.startsWith(`${path}:${error.line}: `), error.message);
      return { error };
    }
    if (error instanceof InputError) {
      assert.ok(error.message.includes(path), error.message);
      return { error };
    }
    throw error;
  }
}

// Lines built from pieces that hit the readers' edges: good records, bad JSON, wrong types, blank
// lines, CR LF, a BOM, invalid UTF-8, empty and repeated ids.
const piece = fc.oneof(
  fc.constantFrom(
    '{"id":"1","contents":"\\"T\\"\\nx"}', '{"id":1,"contents":"a"}', '{"id":"a","question":"q?","golden_answers":["x"]}',
    '{"id":"a","question":"q?","golden_answers":[]}', '{"id":2.5,"contents":"x"}', '{"id":null}', '{', '}', '[]', 'null', '""',
    ' ', '\t', '\r', '\uFEFF', '{"id":"1"', '"contents":', '{"id":"x","n":1}', '{"id":"x","n":"1"}', '1e999', '\u2028',
  ),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.json({ maxDepth: 2 }),
);
const textLines = fc.array(fc.array(piece, { maxLength: 4 }).map((parts) => parts.join('')), { maxLength: 8 });
const fileBytes = fc.oneof(
  textLines.map((lines) => Buffer.from(lines.join('\n'))),
  textLines.map((lines) => Buffer.from(`${lines.join('\r\n')}\r\n`)),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.tuple(textLines, fc.uint8Array({ minLength: 1, maxLength: 4 }).map((b) => b.map((x) => 0x80 | x))).map(([lines, bad]) =>
    Buffer.concat([Buffer.from(lines.join('\n')), Buffer.from(bad), Buffer.from('\n{"id":"z","contents":"z"}\n')])),
);

const Item = z.object({ id: z.string(), n: z.number() });
const readers: [string, (path: string, onError?: (p: DataProblem) => void) => Records<unknown>][] = [
  ['readJsonl', (path, onError) => readJsonl(path, Item, onError ? { onError } : {})],
  ['readCorpus', (path, onError) => readCorpus(path, onError ? { onError } : {})],
  ['readQa', (path, onError) => readQa(path, onError ? { onError } : {})],
];

describe('JSONL readers under arbitrary bytes', () => {
  for (const [name, read] of readers) {
    test(`${name}: records, or an InputError / DataFormatError naming the file and line`, { timeout: 60_000 }, async () => {
      await fc.assert(
        fc.asyncProperty(fileBytes, async (bytes) => {
          const path = await fileWith(bytes, 'jsonl');
          await outcome(read(path), path, lineCount(bytes));
        }),
        { seed: SEED, numRuns: 200 },
      );
    });

    test(`${name}: with onError every problem names the file and a real line, and nothing else is thrown`, { timeout: 60_000 }, async () => {
      await fc.assert(
        fc.asyncProperty(fileBytes, async (bytes) => {
          const path = await fileWith(bytes, 'jsonl');
          const problems: DataProblem[] = [];
          const result = await outcome(read(path, (p) => problems.push(p)), path, lineCount(bytes));
          // Only a file with nothing in it at all is an error when problems are collected.
          if ('error' in result) assert.ok(result.error instanceof InputError && problems.length === 0, result.error.message);
          for (const problem of problems) {
            assert.equal(problem.file, path);
            assert.ok(problem.line !== undefined && problem.line >= 1 && problem.line <= lineCount(bytes));
          }
        }),
        { seed: SEED, numRuns: 200 },
      );
    });
  }
});

describe('corpus and QA checks against a Set oracle', () => {
  // Ids from a small pool so repeats are common: small integers (the bitset), their number form,
  // large and odd strings (the hash table).
  const id = fc.oneof(
    fc.integer({ min: 0, max: 20 }).map(String),
    fc.integer({ min: 0, max: 20 }),
    fc.constantFrom('a', 'b', 'doc-1', '007', '7', ' 7', '134217728', '134217727', 'é', ''),
  );

  test('readCorpus: empty file → InputError; first repeated id → its line, naming the first; else every passage', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ id, contents: fc.string({ maxLength: 8 }) }), { maxLength: 12 }), async (documents) => {
        const path = await fileWith(documents.map((d) => `${JSON.stringify(d)}\n`).join(''), 'jsonl');
        const result = await outcome(readCorpus(path), path, documents.length);
        const firstLine = new Map<string, number>();
        for (const [index, document] of documents.entries()) {
          const key = String(document.id);
          const earlier = firstLine.get(key);
          if (earlier !== undefined) {
            assert.ok('error' in result && result.error instanceof DataFormatError, `line ${index + 1} repeats line ${earlier}`);
            assert.equal(result.error.line, index + 1);
            assert.match(result.error.reason, new RegExp(`^id: .* repeats the id of line ${earlier};`, 'u'));
            return;
          }
          firstLine.set(key, index + 1);
        }
        if (documents.length === 0) assert.ok('error' in result && result.error instanceof InputError && /is empty/u.test(result.error.message));
        else assert.deepEqual('records' in result ? result.records : result.error, documents.map((d) => ({ id: String(d.id), contents: d.contents })));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  test('readQa: an empty golden_answers or a repeated id is a problem of its line; the rest are read', { timeout: 60_000 }, async () => {
    const record = fc.record({ id, question: fc.constant('q?'), golden_answers: fc.array(fc.constantFrom('x', 'y'), { maxLength: 2 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 12 }), async (records) => {
        const path = await fileWith(records.map((r) => `${JSON.stringify(r)}\n`).join(''), 'jsonl');
        const problems: DataProblem[] = [];
        const read = await readQa(path, { onError: (p) => problems.push(p) }).toArray();
        const seen = new Set<string>();
        const expectedLines: number[] = [];
        const kept: string[] = [];
        for (const [index, r] of records.entries()) {
          if (r.golden_answers.length === 0 || seen.has(String(r.id))) {
            expectedLines.push(index + 1);
            continue;
          }
          seen.add(String(r.id));
          kept.push(String(r.id));
        }
        assert.deepEqual(problems.map((p) => p.line), expectedLines);
        assert.deepEqual(read.map((r) => r.id), kept);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('the parquet reader under damaged files', () => {
  // Far above what these 30 rows need (milliseconds, a few MiB), and low enough that a file that
  // makes hyparquet loop or balloon is stopped within half a second (a sound file stopped by a slow
  // machine still satisfies the property: it is an error naming the file).
  const DECODE_LIMITS = { timeoutMs: 500, memoryMb: 256 };
  let valid: Buffer;
  const rows = (n: number): TrainingRowInput[] => Array.from({ length: n }, (_, i) => ({
    data_source: 'nq',
    prompt: [{ role: 'user', content: `prompt ${i}` }],
    ability: 'fact-reasoning',
    reward_model: { style: 'rule', ground_truth: { question: `who is ${i}?`, target: [`p${i}`], gt_docs: [] } },
    extra_info: { split: 'train', index: i },
  }));

  before(async () => {
    const path = join(dir, 'valid.parquet');
    await writeTrainingParquet(path, rows(30), { rowGroupSize: 10 });
    valid = await readFile(path);
  });

  async function parquetOutcome(bytes: Uint8Array): Promise<void> {
    const path = await fileWith(bytes, 'parquet');
    try {
      await readTrainingParquet(path, { decodeLimits: DECODE_LIMITS }).toArray();
    } catch (error) {
      if (error instanceof DataFormatError) {
        assert.equal(error.file, path);
        assert.ok(error.row !== undefined && error.row >= 0, error.message);
        assert.ok(error.message.startsWith(`${path}: row ${error.row}: `), error.message);
        return;
      }
      assert.ok(error instanceof InputError, `not an InputError: ${String(error)}`);
      assert.ok(error.message.startsWith(`${path}: `), error.message);
    }
  }

  test('a damaged start names the file and the row group, not "unsupported page type: undefined" alone', async () => {
    const damaged = Buffer.from(valid);
    damaged.fill(0xff, 4, 64);
    const path = await fileWith(damaged, 'parquet');
    await assert.rejects(readTrainingParquet(path).toArray(), (error: unknown) => {
      assert.ok(error instanceof DataFormatError, String(error));
      assert.equal(error.file, path);
      assert.equal(error.row, 0);
      assert.match(error.message, /: row 0: row group 0 \(rows 0–9\) cannot be decoded, the file is damaged or not parquet: /u);
      return true;
    });
  });

  test('arbitrary bytes, truncations, flipped bytes and garbage prefixes: rows, or an error naming the file', { timeout: 120_000 }, async () => {
    // Each read starts a decoding worker (~0.1 s), so the runs are few and weighted to damage
    // inside the row groups, where hyparquet can loop; most random bytes fail at the footer.
    const damaged = fc.oneof(
      { arbitrary: fc.uint8Array({ maxLength: 300 }), weight: 1 },
      { arbitrary: fc.integer({ min: 0, max: valid.length - 1 }).map((length) => valid.subarray(0, length)), weight: 1 },
      {
        arbitrary: fc.array(fc.tuple(fc.integer({ min: 4, max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips) => {
          const copy = Buffer.from(valid);
          for (const [at, value] of flips) copy[at] = value;
          return copy;
        }),
        weight: 4,
      },
      {
        arbitrary: fc.tuple(fc.integer({ min: 4, max: valid.length - 8 }), fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([at, bytes]) => {
          const copy = Buffer.from(valid);
          copy.set(bytes.subarray(0, copy.length - 8 - at), at);
          return copy;
        }),
        weight: 2,
      },
    );
    await fc.assert(fc.asyncProperty(damaged, parquetOutcome), { seed: SEED, numRuns: 60 });
  });
});
