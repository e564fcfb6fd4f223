import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FaissIndex, getFaissThreads, setFaissThreads } from '@s3lab/toolkit';
import { bruteForceInnerProduct, randomUnitVectors, runPython, temporaryDirectory } from './support.js';

const D = 32;
const N = 2000;
const base = randomUnitVectors(N, D, 1);

async function flatIndex(vectors = base, dimension = D): Promise<FaissIndex> {
  const index = FaissIndex.create({ dimension });
  await index.add(vectors);
  return index;
}

describe('FaissIndex (native binding over libfaiss)', () => {
  let dir: Awaited<ReturnType<typeof temporaryDirectory>>;
  before(async () => {
    dir = await temporaryDirectory();
  });
  after(async () => dir.remove());

  test('loads libfaiss (Debian: libfaiss-dev, g++) and creates a Flat inner-product index by default', () => {
    const index = FaissIndex.create({ dimension: D });
    assert.equal(index.dimension, D);
    assert.equal(index.ntotal, 0);
    assert.equal(index.metric, 'inner_product');
    assert.equal(index.isTrained, true);
  });

  // nq = 5 takes FAISS's per-query SIMD path, nq = 64 its BLAS path (nq >= 20); both must be exact.
  for (const nq of [5, 64]) {
    test(`exact search equals a brute-force inner product (nq = ${nq})`, async () => {
      const index = await flatIndex();
      const queries = randomUnitVectors(nq, D, 100 + nq);
      const k = 10;
      const { distances, labels } = await index.search(queries, nq, k);
      assert.equal(distances.length, nq * k);
      const expected = bruteForceInnerProduct(base, queries, D, k);
      expected.forEach(({ rows, scores }, q) => {
        assert.deepEqual(Array.from(labels.subarray(q * k, (q + 1) * k), Number), rows, `query ${q}`);
        scores.forEach((score, j) => assert.ok(Math.abs(score - (distances[q * k + j] as number)) < 1e-5, `query ${q} rank ${j}`));
      });
    });
  }

  test('L2 metric ranks by squared distance, nearest first', async () => {
    const index = FaissIndex.create({ dimension: 2, metric: 'l2' });
    await index.add(new Float32Array([0, 0, 3, 4, 1, 1]));
    const { distances, labels } = await index.search(new Float32Array([0, 0]), 1, 3);
    assert.deepEqual(Array.from(labels, Number), [0, 2, 1]);
    assert.deepEqual(Array.from(distances), [0, 2, 25]);
  });

  test('write / read round trip keeps vectors, metric and results', async () => {
    const index = await flatIndex();
    const path = join(dir.path, 'round-trip.faiss');
    await index.write(path);
    const again = await FaissIndex.read(path);
    assert.equal(again.ntotal, N);
    assert.equal(again.dimension, D);
    assert.equal(again.metric, 'inner_product');
    const queries = randomUnitVectors(8, D, 7);
    assert.deepEqual(await again.search(queries, 8, 5), await index.search(queries, 8, 5));
  });

  test('an IndexFlatIP written by Python faiss.write_index loads and returns the same top-k as Python', async () => {
    const path = join(dir.path, 'python.faiss');
    const script = `
import sys, faiss, numpy as np
path, out = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(42)
xb = rng.standard_normal((3000, 48)).astype('float32'); faiss.normalize_L2(xb)
xq = rng.standard_normal((30, 48)).astype('float32'); faiss.normalize_L2(xq)
index = faiss.IndexFlatIP(48); index.add(xb); faiss.write_index(index, path)
D, I = index.search(xq, 10)
xq.tofile(out + '.queries'); D.astype('float32').tofile(out + '.distances'); I.astype('int64').tofile(out + '.labels')
`;
    runPython(script, [path, join(dir.path, 'python')]);
    const index = await FaissIndex.read(path);
    assert.equal(index.ntotal, 3000);
    assert.equal(index.dimension, 48);
    assert.equal(index.metric, 'inner_product');
    const queries = new Float32Array((await readFile(join(dir.path, 'python.queries'))).buffer.slice(0));
    const pyDistances = new Float32Array((await readFile(join(dir.path, 'python.distances'))).buffer.slice(0));
    const pyLabels = new BigInt64Array((await readFile(join(dir.path, 'python.labels'))).buffer.slice(0));
    const { distances, labels } = await index.search(queries, 30, 10);
    assert.deepEqual(labels, pyLabels);
    assert.deepEqual(distances, pyDistances); // same library, same BLAS: bit for bit
  });

  test('an index written here is byte for byte what Python writes for an IndexFlatIP, and gives Python the same top-k', async () => {
    const index = await flatIndex();
    const path = join(dir.path, 'for-python.faiss');
    await index.write(path);
    const queries = randomUnitVectors(25, D, 9);
    await writeFile(join(dir.path, 'q.f32'), queries);
    await writeFile(join(dir.path, 'base.f32'), base);
    const out = runPython(
      `import sys, faiss, numpy as np
index = faiss.read_index(sys.argv[1]); q = np.fromfile(sys.argv[2], dtype='float32').reshape(-1, ${D})
own = faiss.IndexFlatIP(${D}); own.add(np.fromfile(sys.argv[3], dtype='float32').reshape(-1, ${D})); faiss.write_index(own, sys.argv[4])
print(index.metric_type == faiss.METRIC_INNER_PRODUCT, index.ntotal); D, I = index.search(q, 7); print(' '.join(map(str, I.ravel())))`,
      [path, join(dir.path, 'q.f32'), join(dir.path, 'base.f32'), join(dir.path, 'python-own.faiss')],
    );
    assert.deepEqual(await readFile(path), await readFile(join(dir.path, 'python-own.faiss')));
    const [header, labelsLine] = out.trim().split('\n');
    assert.equal(header, `True ${N}`);
    const { labels } = await index.search(queries, 25, 7);
    assert.equal(labelsLine, Array.from(labels).join(' '));
  });

  test('a factory that needs training (IVF) refuses add until trained, then searches', async () => {
    const index = FaissIndex.create({ dimension: D, factory: 'IVF8,Flat' });
    assert.equal(index.isTrained, false);
    await assert.rejects(index.add(base.subarray(0, D * 10)), /trained before add/u);
    await index.train(base);
    assert.equal(index.isTrained, true);
    await index.add(base);
    await index.setParameter('nprobe', 8); // all lists: exact
    const queries = base.subarray(0, D * 3);
    const { labels } = await index.search(queries, 3, 1);
    assert.deepEqual(Array.from(labels, Number), [0, 1, 2]);
    await assert.rejects(index.setParameter('no_such_knob', 1), /no_such_knob/u);
  });

  test('search runs off the main thread: timers keep firing during a long search', async () => {
    const big = randomUnitVectors(20_000, 128, 3);
    const index = FaissIndex.create({ dimension: 128 });
    await index.add(big);
    const queries = randomUnitVectors(512, 128, 4);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = performance.now();
    await index.search(queries, 512, 10);
    const ms = performance.now() - started;
    clearInterval(timer);
    assert.ok(ms < 20 || ticks >= ms / 20, `${ticks} timer ticks during a ${ms.toFixed(0)} ms search: the event loop was blocked`);
  });

  test('calls on one index run in call order (a search queued after an add sees it)', async () => {
    const index = FaissIndex.create({ dimension: 2 });
    const added = index.add(new Float32Array([1, 0]));
    const searched = index.search(new Float32Array([1, 0]), 1, 1);
    await added;
    assert.deepEqual(Array.from((await searched).labels, Number), [0]);
  });

  test('bad inputs give clear errors', async () => {
    const index = await flatIndex();
    assert.throws(() => FaissIndex.create({ dimension: 0 }), /dimension/u);
    assert.throws(() => FaissIndex.create({ dimension: 8, factory: 'NoSuchIndex' }), /NoSuchIndex/u);
    await assert.rejects(index.add(new Float32Array(D + 1)), /not a whole number of rows of dimension 32/u);
    await assert.rejects(index.add(new Float32Array(D), 2), /need 64/u);
    await assert.rejects(index.search(new Float32Array(D - 1), 1, 3), /queries has 31 floats; 1 queries of dimension 32 need 32/u);
    await assert.rejects(index.search(new Float32Array(D), 1, 0), /k must be an integer >= 1/u);
    await assert.rejects(index.search(new Float32Array(D), 1, N + 1), /k = 2001 exceeds the 2000 vectors/u);
    // @ts-expect-error: a plain array is not accepted (no silent copy)
    await assert.rejects(index.search(Array.from(new Float32Array(D)), 1, 3), /Float32Array/u);
    await assert.rejects(FaissIndex.read(join(dir.path, 'missing.faiss')), /cannot read FAISS index .*missing\.faiss/u);
    assert.equal(index.ntotal, N, 'failed calls leave the index as it was');
  });

  test('NaN policy: non-finite vectors or queries are rejected with their row and column', async () => {
    const index = await flatIndex();
    const bad = new Float32Array(3 * D).fill(0.1);
    bad[2 * D + 5] = Number.NaN;
    await assert.rejects(index.add(bad), /vectors row 2, column 5 is NaN/u);
    bad[2 * D + 5] = Number.POSITIVE_INFINITY;
    await assert.rejects(index.search(bad, 3, 1), /queries row 2, column 5 is infinite/u);
    assert.equal(index.ntotal, N);
  });

  test('the number of FAISS threads can be set', () => {
    const before = getFaissThreads();
    setFaissThreads(1);
    assert.equal(getFaissThreads(), 1);
    setFaissThreads(before);
    assert.throws(() => setFaissThreads(0));
  });
});
