import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  buildDenseIndex,
  encodePassages,
  type DenseBatch,
  type DenseBuildProgress,
  type EncodeTexts,
} from '@s3lab/toolkit';
import { randomUnitVectors, temporaryDirectory } from './support.js';

const D = 24;
const N = 1000;
const BATCH = 100;
const vectors = randomUnitVectors(N, D, 21);
const ids = Array.from({ length: N }, (_, i) => `p${i}`);

/** The test corpus as batches of {id, vector}; throws after `failAfter` batches, to simulate a crash. */
async function* batches(failAfter = Infinity): AsyncGenerator<DenseBatch> {
  for (let b = 0; b * BATCH < N; b++) {
    if (b === failAfter) throw new Error('simulated crash');
    yield Array.from({ length: BATCH }, (_, i) => ({ id: ids[b * BATCH + i] as string, vector: vectors.subarray((b * BATCH + i) * D, (b * BATCH + i + 1) * D) }));
  }
}

async function filesOf(directory: string): Promise<Record<string, Buffer>> {
  const names = (await readdir(directory)).sort();
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, await readFile(join(directory, name))] as const)));
}

describe('buildDenseIndex: resumable builds', () => {
  let dir: Awaited<ReturnType<typeof temporaryDirectory>>;
  let reference: Record<string, Buffer>;
  before(async () => {
    dir = await temporaryDirectory();
    const progress: DenseBuildProgress[] = [];
    const index = await buildDenseIndex(batches(), { directory: join(dir.path, 'reference'), dimension: D, encoder: 'toy', total: N, onProgress: (p) => progress.push(p) });
    assert.equal(index.size, N);
    assert.deepEqual(progress.map((p) => p.done), [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    assert.ok(progress.every((p) => p.resumedFrom === 0 && p.total === N && p.rowsPerSecond > 0));
    reference = await filesOf(join(dir.path, 'reference'));
  });
  after(async () => dir.remove());

  test('a finished build leaves index.faiss, ids.txt and manifest.json, and no checkpoint', () => {
    assert.deepEqual(Object.keys(reference), ['ids.txt', 'index.faiss', 'manifest.json']);
    assert.equal(reference['ids.txt']?.toString().split('\n').length, N + 1);
  });

  test('interrupted by an error after 3 batches, then run again: continues and ends byte-identical', async () => {
    const directory = join(dir.path, 'crashed');
    const options = { directory, dimension: D, encoder: 'toy' };
    await assert.rejects(buildDenseIndex(batches(3), options), /simulated crash/u);
    await access(join(directory, '.partial', 'state.json'));
    await assert.rejects(access(join(directory, 'manifest.json')));
    const progress: DenseBuildProgress[] = [];
    const index = await buildDenseIndex(batches(), { ...options, onProgress: (p) => progress.push(p) });
    assert.equal(index.size, N);
    assert.equal(progress[0]?.resumedFrom, 300);
    assert.equal(progress[0]?.done, 400);
    assert.deepEqual(await filesOf(directory), reference);
  });

  test('stopped with an AbortSignal, then run again: same result', async () => {
    const directory = join(dir.path, 'aborted');
    const controller = new AbortController();
    const options = { directory, dimension: D, encoder: 'toy' };
    await assert.rejects(
      buildDenseIndex(batches(), { ...options, onProgress: (p) => p.done === 500 && controller.abort(new Error('stop here')), signal: controller.signal }),
      /stop here/u,
    );
    const state = JSON.parse(await readFile(join(directory, '.partial', 'state.json'), 'utf8')) as { count: number };
    assert.equal(state.count, 500);
    await buildDenseIndex(batches(), options);
    assert.deepEqual(await filesOf(directory), reference);
  });

  test('killed with SIGKILL mid-build, then run again: loses at most the last batch and ends byte-identical', async () => {
    const directory = join(dir.path, 'killed');
    const support = fileURLToPath(new URL('./support.ts', import.meta.url));
    const dense = fileURLToPath(new URL('../../../toolkit/src/retrieval/dense/index.ts', import.meta.url));
    const child = join(dir.path, 'child.mts'); // .mts: an ES module (top-level await) outside any package.json
    // The child builds slowly (50 ms per batch) and reports each commit; the parent kills it after the third.
    await writeFile(child, `
import { buildDenseIndex } from ${JSON.stringify(dense)};
import { randomUnitVectors } from ${JSON.stringify(support)};
const vectors = randomUnitVectors(${N}, ${D}, 21);
async function* slow() {
  for (let b = 0; b * ${BATCH} < ${N}; b++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    yield Array.from({ length: ${BATCH} }, (_, i) => ({ id: 'p' + (b * ${BATCH} + i), vector: vectors.subarray((b * ${BATCH} + i) * ${D}, (b * ${BATCH} + i + 1) * ${D}) }));
  }
}
await buildDenseIndex(slow(), { directory: ${JSON.stringify(directory)}, dimension: ${D}, encoder: 'toy', onProgress: (p) => console.log('committed', p.done) });
console.log('finished');
`);
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const process_ = spawn(process.execPath, ['--conditions=s3lab-source', '--import', 'tsx', child], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let committed = 0;
    let stderr = '';
    process_.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      process_.stdout.on('data', (chunk: Buffer) => {
        for (const match of chunk.toString().matchAll(/committed (\d+)/gu)) committed = Number(match[1]);
        if (committed >= 300) process_.kill('SIGKILL');
      });
      process_.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`the child was not killed (it finished?): ${stderr}`))));
    });
    const state = JSON.parse(await readFile(join(directory, '.partial', 'state.json'), 'utf8')) as { count: number };
    assert.ok(state.count >= committed, `checkpoint holds ${state.count} rows; the child had reported ${committed} committed`);
    assert.ok(state.count < N);
    const progress: DenseBuildProgress[] = [];
    await buildDenseIndex(batches(), { directory, dimension: D, encoder: 'toy', onProgress: (p) => progress.push(p) });
    assert.equal(progress[0]?.resumedFrom, state.count);
    assert.deepEqual(await filesOf(directory), reference);
  });

  test('resuming with different input or settings is refused, not mixed in', async () => {
    const directory = join(dir.path, 'mismatch');
    await assert.rejects(buildDenseIndex(batches(2), { directory, dimension: D, encoder: 'toy' }), /simulated crash/u);
    async function* other(): AsyncGenerator<DenseBatch> {
      yield [{ id: 'someone-else', vector: vectors.subarray(0, D) }];
    }
    await assert.rejects(buildDenseIndex(other(), { directory, dimension: D, encoder: 'toy' }), /row 0 has id "someone-else", but the checkpoint has "p0" there/u);
    await assert.rejects(buildDenseIndex(batches(), { directory, dimension: D, encoder: 'another' }), /holds the checkpoint of a dense index build made with other settings \(encoder: "toy" → "another"\); run again with --force/u);
    async function* short(): AsyncGenerator<DenseBatch> {
      yield* batches(1);
    }
    await assert.rejects(buildDenseIndex(short(), { directory, dimension: D, encoder: 'toy' }), /simulated crash/u);
  });

  test('a finished directory is returned as is with the same settings, refused with others', async () => {
    const directory = join(dir.path, 'reference');
    let consumed = false;
    async function* untouched(): AsyncGenerator<DenseBatch> {
      consumed = true;
      yield* batches();
    }
    const index = await buildDenseIndex(untouched(), { directory, dimension: D, encoder: 'toy' });
    assert.equal(index.size, N);
    assert.equal(consumed, false);
    await assert.rejects(buildDenseIndex(batches(), { directory, dimension: D, encoder: 'toy', factory: 'HNSW8' }), /holds a dense index made with other settings \(factory: "Flat" → "HNSW8"\)/u);
  });

  test('settings (what else made the vectors) are recorded: a resume or a finished index with others is refused, force starts over', async () => {
    const directory = join(dir.path, 'settings');
    const made = { directory, dimension: D, encoder: 'toy', settings: { corpus: 'a.jsonl', maxLength: 256 } };
    await assert.rejects(buildDenseIndex(batches(2), made), /simulated crash/u);
    await assert.rejects(buildDenseIndex(batches(), { ...made, settings: { corpus: 'a.jsonl', maxLength: 128 } }), /holds the checkpoint of a dense index build made with other settings \(settings\.maxLength: 256 → 128\)/u);
    await buildDenseIndex(batches(), made);
    const manifest = JSON.parse(await readFile(join(directory, 'manifest.json'), 'utf8')) as { settings?: unknown };
    assert.deepEqual(manifest.settings, made.settings);
    const other = { ...made, settings: { corpus: 'b.jsonl', maxLength: 256 } };
    await assert.rejects(buildDenseIndex(batches(), other), /holds a dense index made with other settings \(settings\.corpus: "a\.jsonl" → "b\.jsonl"\)/u);
    // Without settings (a caller that names none) the recorded ones are not compared.
    assert.equal((await buildDenseIndex(batches(), { directory, dimension: D, encoder: 'toy' })).size, N);
    await writeFile(join(directory, 'README'), 'not the build\'s');
    const progress: DenseBuildProgress[] = [];
    await assert.rejects(buildDenseIndex(batches(4), { ...other, force: true, onProgress: (p) => progress.push(p) }), /simulated crash/u);
    assert.equal(progress[0]?.resumedFrom, 0, 'force started over');
    await assert.rejects(access(join(directory, 'manifest.json')), 'the finished index was removed');
    await buildDenseIndex(batches(), other);
    const files = await filesOf(directory);
    assert.equal(files.README?.toString(), 'not the build\'s', 'force removes only what a build writes');
    assert.deepEqual([files['index.faiss'], files['ids.txt']], [reference['index.faiss'], reference['ids.txt']]);
  });

  test('a bad batch (NaN, wrong dimension) stops the build with a clear error and keeps the batches before it', async () => {
    const directory = join(dir.path, 'bad-batch');
    const options = { directory, dimension: D, encoder: 'toy' };
    async function* thenBad(vector: Float32Array): AsyncGenerator<DenseBatch> {
      let b = 0;
      for await (const batch of batches()) {
        if (b++ === 2) break;
        yield batch;
      }
      yield [{ id: 'p200', vector }];
    }
    await assert.rejects(buildDenseIndex(thenBad(new Float32Array(D).fill(Number.NaN)), options), /row 200 has a non-finite value \(NaN\) at column 0/u);
    await assert.rejects(buildDenseIndex(thenBad(new Float32Array(D - 1)), options), /vector 0 has dimension 23; the index has 24/u);
    const state = JSON.parse(await readFile(join(directory, '.partial', 'state.json'), 'utf8')) as { count: number };
    assert.equal(state.count, 200);
    await buildDenseIndex(batches(), options);
    assert.deepEqual(await filesOf(directory), reference);
  });

  test('a factory that needs training keeps its trained index in the checkpoint, so a resumed build matches', async () => {
    const options = { dimension: D, encoder: 'toy', factory: 'IVF4,Flat', trainingSize: 300 };
    const whole = join(dir.path, 'ivf-whole');
    const resumed = join(dir.path, 'ivf-resumed');
    await buildDenseIndex(batches(), { ...options, directory: whole });
    await assert.rejects(buildDenseIndex(batches(5), { ...options, directory: resumed }), /simulated crash/u);
    await access(join(resumed, '.partial', 'trained.faiss'));
    const index = await buildDenseIndex(batches(), { ...options, directory: resumed });
    assert.equal(index.size, N);
    assert.deepEqual(await filesOf(resumed), await filesOf(whole));
  });

  test('encodePassages: a resumed build does not encode the passages already in the checkpoint', async () => {
    const corpus = ids.map((id, i) => ({ id, contents: `"Title ${i}"\ntext ${i}` }));
    const encoded: string[] = [];
    let failAt = 500;
    const encode: EncodeTexts = async (texts) => {
      if (encoded.length >= failAt) throw new Error('encoder died');
      encoded.push(...texts);
      return texts.map((t) => {
        const row = Number(/text (\d+)$/u.exec(t)?.[1]);
        return vectors.slice(row * D, (row + 1) * D);
      });
    };
    const directory = join(dir.path, 'encoded');
    const options = { directory, dimension: D, encoder: 'toy' };
    await assert.rejects(buildDenseIndex(encodePassages(corpus, encode, { dimension: D, batchSize: BATCH, prefix: 'passage: ' }), options), /encoder died/u);
    assert.equal(encoded.length, 500);
    assert.equal(encoded[0], 'passage: "Title 0"\ntext 0');
    failAt = Infinity;
    await buildDenseIndex(encodePassages(corpus, encode, { dimension: D, batchSize: BATCH, prefix: 'passage: ' }), options);
    assert.equal(encoded.length, N, 'each passage encoded once');
    assert.deepEqual(await filesOf(directory), reference);
  });

  test('checkpointEvery commits less often than every batch', async () => {
    const directory = join(dir.path, 'sparse-commits');
    const progress: number[] = [];
    await assert.rejects(buildDenseIndex(batches(5), { directory, dimension: D, encoder: 'toy', checkpointEvery: 300, onProgress: (p) => progress.push(p.done) }), /simulated crash/u);
    assert.deepEqual(progress, [300]);
    // Batches appended but not yet committed when the source failed are whole: the failure path commits them.
    const state = JSON.parse(await readFile(join(directory, '.partial', 'state.json'), 'utf8')) as { count: number };
    assert.equal(state.count, 500);
  });
});
