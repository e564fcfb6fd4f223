// The bounded-memory BM25 build: with a memory budget far below the corpus's postings, the build
// spills sorted runs and merges them, and the index it writes is byte for byte the in-memory one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBm25Index, openBm25Index } from '@s3lab/toolkit';

describe('BM25 build with a memory budget (external merge)', () => {
  it('spills runs under a small budget and writes the same index as an in-memory build', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's3lab-bm25-ext-'));
    const corpusPath = 'datasets/lab/corpus.jsonl';
    const inMemory = await buildBm25Index({ corpusPath, outDir: join(dir, 'memory') });
    const spilled = await buildBm25Index({ corpusPath, outDir: join(dir, 'runs'), memoryBudget: 1 << 20 });
    assert.equal(inMemory.runs, 0);
    assert.ok(spilled.runs >= 8, `several runs (${spilled.runs})`);
    assert.ok(spilled.builderBytesPerPassage * spilled.documents <= 3 << 20, 'the postings held stay near the budget');
    assert.deepEqual({ ...spilled, seconds: 0, runs: 0, builderBytesPerPassage: 0 }, { ...inMemory, seconds: 0, runs: 0, builderBytesPerPassage: 0 });
    assert.ok(readFileSync(join(dir, 'runs', 'bm25.bin')).equals(readFileSync(join(dir, 'memory', 'bm25.bin'))), 'bm25.bin is byte-identical');
    assert.ok(readFileSync(join(dir, 'runs', 'contents.bin')).equals(readFileSync(join(dir, 'memory', 'contents.bin'))));
    assert.deepEqual(readdirSync(join(dir, 'runs')).sort(), ['bm25.bin', 'contents.bin'], 'no run file left behind');
    const index = await openBm25Index(join(dir, 'runs'));
    try {
      const [hits] = await index.search(['Which river flows through Vinddale?'], 3);
      assert.equal(hits?.length, 3);
    } finally {
      index.close();
    }
    assert.equal(existsSync(join(dir, 'runs', '.runs')), false);
  });
});
