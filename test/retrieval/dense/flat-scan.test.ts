// The tfjs flat scan (the GPU path, and the path for flat indexes larger than memory) finds
// what FAISS finds: same rows, scores within float tolerance, for inner product and L2, with
// the matrix resident or streamed from a FAISS file in many shards and query blocks.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildDenseIndex, DenseIndex, FaissIndex, FlatScanIndex, openVectorIndex, readFlatLayout, writeFlatIndexFile, type DenseMatch, type FaissMetric } from '@s3lab/toolkit';
import { PYTHON, randomUnitVectors, temporaryDirectory } from './support.js';

const D = 32;
const N = 20000;
const NQ = 37;
const K = 10;
const vectors = randomUnitVectors(N, D, 7);
const queries = randomUnitVectors(NQ, D, 8);

async function faissHits(metric: FaissMetric): Promise<Array<Array<{ row: number; score: number }>>> {
  const index = FaissIndex.create({ dimension: D, metric });
  await index.add(vectors);
  const { distances, labels } = await index.search(queries, NQ, K);
  return Array.from({ length: NQ }, (_, q) => Array.from({ length: K }, (_, j) => ({ row: Number(labels[q * K + j]), score: distances[q * K + j] as number })));
}

function assertSameHits(actual: DenseMatch[][], expected: Array<Array<{ row: number; score: number }>>): void {
  assert.equal(actual.length, expected.length);
  for (let q = 0; q < expected.length; q++) {
    assert.deepEqual(actual[q]?.map((h) => h.row), expected[q]?.map((h) => h.row), `query ${q}`);
    for (let j = 0; j < K; j++) assert.ok(Math.abs((actual[q]?.[j]?.score as number) - (expected[q]?.[j]?.score as number)) < 1e-5, `query ${q} hit ${j}`);
  }
}

describe('FlatScanIndex', () => {
  let dir: { path: string; remove: () => Promise<void> };
  before(async () => {
    dir = await temporaryDirectory();
  });
  after(() => dir.remove());

  for (const metric of ['inner_product', 'l2'] as const) {
    test(`${metric}: resident in one shard, and streamed from a FAISS file in 7 shards × 4 query blocks, equal FAISS (two-stage top-k on the long rows)`, async () => {
      const expected = await faissHits(metric);
      const inMemory = await FlatScanIndex.fromVectors(vectors, { dimension: D, metric });
      assert.equal(inMemory.resident, true);
      assertSameHits(await inMemory.searchVectors(queries, NQ, K), expected);
      await inMemory.dispose();

      // Written by FAISS itself, read by the scan without FAISS.
      const path = join(dir.path, `${metric}.faiss`);
      const written = FaissIndex.create({ dimension: D, metric });
      await written.add(vectors);
      await written.write(path);
      const streamed = await FlatScanIndex.open(path, { residentMiB: 0, shardRows: 3000, queryBlock: 10 });
      assert.equal(streamed.resident, false);
      assert.equal(streamed.metric, metric);
      assertSameHits(await streamed.searchVectors(queries, NQ, K), expected);
      await streamed.dispose();
    });
  }

  test('writeFlatIndexFile streams a file FAISS reads back (Python FAISS too)', async () => {
    const path = join(dir.path, 'written.faiss');
    const chunks = [vectors.subarray(0, 1000 * D), vectors.subarray(1000 * D)];
    await writeFlatIndexFile(path, { dimension: D, metric: 'inner_product', count: N }, chunks);
    assert.deepEqual(await readFlatLayout(path), { path, dimension: D, count: N, metric: 'inner_product', dataOffset: 45 });
    const read = await FaissIndex.read(path);
    assert.equal(read.ntotal, N);
    const { labels } = await read.search(queries, NQ, K);
    assert.deepEqual(Array.from(labels, Number), (await faissHits('inner_product')).flat().map((h) => h.row));
    const python = spawnSync(PYTHON, ['-c', `import faiss; i = faiss.read_index(${JSON.stringify(path)}); print(i.ntotal, i.d, i.metric_type)`], { encoding: 'utf8' });
    assert.equal(python.stdout.trim(), `${N} ${D} 0`, python.stderr);
    await assert.rejects(writeFlatIndexFile(join(dir.path, 'short.faiss'), { dimension: D, metric: 'l2', count: N }, chunks.slice(0, 1)), /1000 rows were written, but the header announces 20000/u);
  });

  test('ids, k beyond the size, empty queries, and bad input named', async () => {
    const ids = Array.from({ length: 4 }, (_, i) => `doc-${i}`);
    const small = await FlatScanIndex.fromVectors(vectors.subarray(0, 4 * D), { dimension: D, ids, shardRows: 3 });
    const [hits] = await small.searchVectors(vectors.subarray(2 * D, 3 * D), 1, 10);
    assert.equal(hits?.length, 4);
    assert.deepEqual(hits?.[0], { row: 2, id: 'doc-2', score: hits?.[0]?.score });
    assert.ok(Math.abs((hits?.[0]?.score as number) - 1) < 1e-5);
    assert.deepEqual(await small.searchVectors(new Float32Array(0), 0, 5), []);
    assert.deepEqual(await small.searchVectors(queries.subarray(0, D), 1, 0), [[]]);
    await assert.rejects(small.searchVectors(new Float32Array(D + 1), 1, 3), /queries has 33 floats; 1 queries of dimension 32 need 32/u);
    const nan = new Float32Array(D).fill(Number.NaN);
    await assert.rejects(small.searchVectors(nan, 1, 3), /query 0 has a non-finite value at column 0/u);
    await small.dispose();
    await assert.rejects(FlatScanIndex.fromVectors(new Float32Array(5), { dimension: 2 }), /whole rows of dimension 2; got 5 floats/u);

    const notFlat = join(dir.path, 'ivf.faiss');
    const ivf = FaissIndex.create({ dimension: 8, factory: 'IVF2,Flat' });
    await ivf.train(randomUnitVectors(100, 8, 3));
    await ivf.write(notFlat);
    await assert.rejects(FlatScanIndex.open(notFlat), /starts with "IwFl", not a FAISS flat index/u);
    const cut = join(dir.path, 'cut.faiss');
    const whole = join(dir.path, 'inner_product.faiss');
    await writeFile(cut, (await readFile(whole)).subarray(0, 1000));
    await assert.rejects(FlatScanIndex.open(cut), /1000 bytes, but 20000 rows of dimension 32 need 2560045: the file is cut short/u);
  });

  test('openVectorIndex: a built Flat directory scanned with its ids gives what FAISS gives; only Flat is scanned', async () => {
    const directory = join(dir.path, 'built');
    const ids = Array.from({ length: 3000 }, (_, i) => `doc-${i}`);
    await buildDenseIndex([ids.map((id, i) => ({ id, vector: vectors.subarray(i * D, (i + 1) * D) }))], { directory, dimension: D });
    const faiss = await DenseIndex.load(directory);
    const scan = await openVectorIndex(directory, { engine: 'scan' });
    assert.ok(scan instanceof FlatScanIndex);
    assert.deepEqual((await scan.searchVectors(queries, NQ, K)).map((h) => h.map((m) => m.id)), (await faiss.searchVectors(queries, NQ, K)).map((h) => h.map((m) => m.id)));
    assert.ok((await openVectorIndex(directory)) instanceof DenseIndex, 'small and on the CPU: FAISS');
    await scan.dispose();
    const ivf = join(dir.path, 'built-ivf');
    await buildDenseIndex([ids.map((id, i) => ({ id, vector: vectors.subarray(i * D, (i + 1) * D) }))], { directory: ivf, dimension: D, factory: 'IVF4,Flat', trainingSize: 1000 });
    await assert.rejects(openVectorIndex(ivf, { engine: 'scan' }), /the flat scan searches Flat indexes only; this one is "IVF4,Flat"/u);
  });
});
