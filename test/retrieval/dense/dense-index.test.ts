import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DenseIndex } from '@s3lab/toolkit';
import { bruteForceInnerProduct, randomUnitVectors, runPython, temporaryDirectory } from './support.js';

const D = 16;
const N = 500;
const base = randomUnitVectors(N, D, 11);
const letterIds = Array.from({ length: N }, (_, i) => `doc-${i}`);

describe('DenseIndex', () => {
  let dir: Awaited<ReturnType<typeof temporaryDirectory>>;
  before(async () => {
    dir = await temporaryDirectory();
  });
  after(async () => dir.remove());

  test('searchVectors returns ids and scores of the exact top k', async () => {
    const index = DenseIndex.create({ dimension: D, encoder: 'test' });
    await index.add(letterIds.slice(0, 200), base.subarray(0, 200 * D));
    await index.add(letterIds.slice(200), base.subarray(200 * D));
    assert.equal(index.size, N);
    const queries = randomUnitVectors(3, D, 12);
    const hits = await index.searchVectors(queries, 3, 4);
    const expected = bruteForceInnerProduct(base, queries, D, 4);
    hits.forEach((list, q) => {
      assert.deepEqual(list.map((h) => h.id), expected[q]?.rows.map((r) => `doc-${r}`));
      assert.deepEqual(list.map((h) => h.row), expected[q]?.rows);
      list.forEach((h, j) => assert.ok(Math.abs(h.score - (expected[q]?.scores[j] as number)) < 1e-5));
    });
  });

  test('save / load round trip: manifest, ids and results', async () => {
    const index = DenseIndex.create({ dimension: D, encoder: 'test-encoder' });
    await index.add(letterIds, base);
    const path = join(dir.path, 'saved');
    await index.save(path);
    const manifest = JSON.parse(await readFile(join(path, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(manifest, { dimension: D, metric: 'inner_product', factory: 'Flat', encoder: 'test-encoder', format: 's3lab-dense-index', version: 1, count: N, idsAreRows: false });
    assert.equal((await readFile(join(path, 'ids.txt'), 'utf8')).split('\n')[1], 'doc-1');
    const loaded = await DenseIndex.load(path);
    assert.deepEqual(loaded.config, index.config);
    const queries = randomUnitVectors(5, D, 13);
    assert.deepEqual(await loaded.searchVectors(queries, 5, 6), await index.searchVectors(queries, 5, 6));
  });

  test('ids that are row numbers (wiki-18) are not stored', async () => {
    const index = DenseIndex.create({ dimension: D });
    await index.add(Array.from({ length: N }, (_, i) => String(i)), base);
    const path = join(dir.path, 'row-ids');
    await index.save(path);
    await assert.rejects(access(join(path, 'ids.txt')));
    const loaded = await DenseIndex.load(path);
    assert.equal(loaded.idOf(42), '42');
    // …and switching to other ids later keeps the earlier ones.
    await loaded.add(['extra'], base.subarray(0, D));
    assert.equal(loaded.idOf(7), '7');
    assert.equal(loaded.idOf(N), 'extra');
  });

  test('wraps a FAISS file written by Python (as s3 ships e5_Flat.index): rows are corpus lines', async () => {
    const path = join(dir.path, 'e5-like.index');
    await writeFile(join(dir.path, 'base.f32'), base);
    runPython(`import sys, faiss, numpy as np
x = np.fromfile(sys.argv[1], dtype='float32').reshape(-1, ${D}); index = faiss.IndexFlatIP(${D}); index.add(x); faiss.write_index(index, sys.argv[2])`, [join(dir.path, 'base.f32'), path]);
    const index = await DenseIndex.fromFaissFile(path, { encoder: 'e5' });
    assert.equal(index.size, N);
    const [hits] = await index.searchVectors(base.subarray(9 * D, 10 * D), 1, 1);
    assert.deepEqual(hits?.map((h) => h.id), ['9']);
    const withIds = await DenseIndex.fromFaissFile(path, { ids: letterIds });
    assert.equal(withIds.idOf(9), 'doc-9');
    await assert.rejects(DenseIndex.fromFaissFile(path, { ids: ['too', 'few'] }), /500 rows but 2 ids/u);
  });

  test('k larger than the index returns every row; k = 0 and nq = 0 return empty lists', async () => {
    const index = DenseIndex.create({ dimension: D });
    await index.add(['a', 'b', 'c'], base.subarray(0, 3 * D));
    const [all] = await index.searchVectors(base.subarray(0, D), 1, 10);
    assert.equal(all?.length, 3);
    assert.equal(all?.[0]?.id, 'a');
    assert.deepEqual(await index.searchVectors(base.subarray(0, 2 * D), 2, 0), [[], []]);
    assert.deepEqual(await index.searchVectors(new Float32Array(0), 0, 5), []);
    const empty = DenseIndex.create({ dimension: D });
    assert.deepEqual(await empty.searchVectors(base.subarray(0, D), 1, 5), [[]]);
  });

  test('bad inputs give clear errors', async () => {
    const index = DenseIndex.create({ dimension: D });
    await assert.rejects(index.add(['a'], new Float32Array(D + 1)), /1 ids need 16 floats \(dimension 16\); got 17/u);
    await assert.rejects(index.add(['a\nb'], new Float32Array(D)), /without line breaks/u);
    await assert.rejects(index.add([''], new Float32Array(D)), /non-empty/u);
    const nan = new Float32Array(D);
    nan[3] = Number.NaN;
    await assert.rejects(index.add(['a'], nan), /row 0, column 3 is NaN/u);
    assert.equal(index.size, 0, 'a rejected batch adds nothing');
    await index.add(['a'], base.subarray(0, D));
    await assert.rejects(index.searchVectors(new Float32Array(D * 2), 1, 1), /queries has 32 floats; 1 queries of dimension 16 need 16/u);
    await assert.rejects(index.searchVectors(new Float32Array(D), 1, -1), /k must be >= 0/u);
    await assert.rejects(index.searchVectors(new Float32Array(D), 1, 1.5), /k must be an integer/u);
    await assert.rejects(index.searchVectors(nan, 1, 1), /queries row 0, column 3 is NaN/u);
    assert.throws(() => index.idOf(1), /row 1 is outside the index/u);
    await assert.rejects(DenseIndex.load(join(dir.path, 'nothing-here')), /no manifest\.json: not a dense index directory/u);
  });

  test('load refuses a directory whose files disagree', async () => {
    const index = DenseIndex.create({ dimension: D });
    await index.add(letterIds, base);
    const path = join(dir.path, 'tampered');
    await index.save(path);
    const manifestPath = join(path, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>;
    await writeFile(manifestPath, JSON.stringify({ ...manifest, count: 7 }));
    await assert.rejects(DenseIndex.load(path), /the FAISS file has 500 rows, the manifest says 7/u);
    await writeFile(manifestPath, JSON.stringify({ ...manifest, metric: 'cosine' }));
    await assert.rejects(DenseIndex.load(path), /manifest\.json:1: metric/u);
  });
});
