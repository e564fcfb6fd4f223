/**
 * The lab world's dense index that the repository ships (datasets/indexes/lab-e5-small), and the
 * build and check behind it (`buildLabDenseIndex`, `checkLabDenseIndex`, `s3lab index lab-dense`).
 * The first test is the one that fails when the lab world or the lab encoder changes and the
 * shipped index was not rebuilt with them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  buildLabDenseIndex, checkLabDenseIndex, LAB_DENSE_TOLERANCE, LAB_PATHS, loadEncoder, openRetriever, readCorpus,
  readJsonFile, readQa,
} from '@s3lab/toolkit';
import { z } from 'zod';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SHIPPED = join(ROOT, LAB_PATHS.denseIndex);
const ENCODER = join(ROOT, LAB_PATHS.encoder);
const s3lab = (...args: string[]) => spawnSync(process.execPath, ['--conditions=s3lab-source', '--import', 'tsx', join(ROOT, 'toolkit/src/cli/run.ts'), ...args], { cwd: ROOT, encoding: 'utf8' });

describe('the shipped lab dense index', () => {
  test('was built from the lab corpus and encoder files there now, and 64 passages encoded again give its stored vectors', async () => {
    const check = await checkLabDenseIndex(SHIPPED, { sample: 64 });
    assert.deepEqual(check.problems, [], `rebuild it: npx s3lab index lab-dense (${LAB_PATHS.denseIndex}/README.md)`);
    const world = await readJsonFile(join(ROOT, LAB_PATHS.world, 'manifest.json'), z.looseObject({ summary: z.looseObject({ passages: z.number() }) }));
    assert.equal(check.size, world?.summary.passages);
    assert.equal(check.sampled, 64);
    assert.ok(check.maxDifference <= LAB_DENSE_TOLERANCE);
  });

  test('openRetriever opens it through its retriever.json, whose paths are relative to it', async () => {
    const opened = await openRetriever(SHIPPED);
    try {
      assert.equal(opened.kind, 'dense');
      assert.equal(opened.documents, 19720);
      const question = (await readQa(join(ROOT, LAB_PATHS.world, 'test.jsonl')).toArray()).find((q) => q.question === 'In what year was Dusstad founded?');
      assert.ok(question);
      const [hits] = await opened.retriever.search([question.question], 3);
      assert.equal(hits?.[0]?.id, '2095', 'the passage that answers it comes first');
    } finally {
      await opened.close();
    }
  });
});

describe('buildLabDenseIndex and checkLabDenseIndex on a small world', () => {
  let dir: string;
  let world: string;
  let out: string;
  const PASSAGES = 40;
  const progress: [number, number][] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3lab-lab-dense-'));
    world = join(dir, 'world');
    out = join(dir, 'indexes', 'small');
    await mkdir(world);
    const lines = (await readFile(join(ROOT, LAB_PATHS.world, 'corpus.jsonl'), 'utf8')).split('\n').slice(0, PASSAGES);
    await writeFile(join(world, 'corpus.jsonl'), `${lines.join('\n')}\n`);
    await buildLabDenseIndex({ world, encoder: ENCODER, out, onProgress: (done, total) => progress.push([done, total]) });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('builds a Flat index with retriever.json and source.json beside it; progress reaches the total; the check passes', async () => {
    assert.deepEqual(progress.at(-1), [PASSAGES, PASSAGES]);
    const check = await checkLabDenseIndex(out, { sample: PASSAGES });
    assert.deepEqual(check.problems, []);
    assert.deepEqual([check.size, check.sampled], [PASSAGES, PASSAGES]);
    const source = JSON.parse(await readFile(join(out, 'source.json'), 'utf8')) as { corpus: { path: string; passages: number }; encoder: { files: Record<string, string> } };
    assert.equal(source.corpus.path, '../../world/corpus.jsonl');
    assert.equal(source.corpus.passages, PASSAGES);
    assert.deepEqual(Object.keys(source.encoder.files).sort(), ['config.json', 'model.onnx', 'tokenizer.json', 'tokenizer_config.json']);
    const retriever = JSON.parse(await readFile(join(out, 'retriever.json'), 'utf8')) as { corpus: string };
    assert.equal(retriever.corpus, '../../world/corpus.jsonl');
  });

  test('a changed passage is caught: the corpus hash, and its vector encoded again', async () => {
    const corpus = join(world, 'corpus.jsonl');
    const original = await readFile(corpus, 'utf8');
    try {
      await writeFile(corpus, original.replace('."}\n', '. Its harbour freezes every winter."}\n')); // the first passage
      const check = await checkLabDenseIndex(out, { sample: PASSAGES });
      assert.match(check.problems.join('\n'), /the corpus \(.*corpus\.jsonl\) is not the one the index was built from/u);
      assert.match(check.problems.join('\n'), /passages encoded again differ from their stored vectors/u);
      assert.ok(check.maxDifference > LAB_DENSE_TOLERANCE);
    } finally {
      await writeFile(corpus, original);
    }
  });

  test('a changed vector is caught: the index hash, and the sample', async () => {
    const file = join(out, 'index.faiss');
    const original = await readFile(file);
    try {
      const handle = await open(file, 'r+');
      await handle.write(new Uint8Array(new Float32Array([0.5, -0.5]).buffer), 0, 8, 45); // row 0's first two floats
      await handle.close();
      const check = await checkLabDenseIndex(out, { sample: PASSAGES });
      assert.match(check.problems.join('\n'), /the index file .* is not the one the index was built from/u);
      assert.match(check.problems.join('\n'), /differ from their stored vectors by up to/u);
    } finally {
      await writeFile(file, original);
    }
  });

  test('other passages, another encoder, a missing record: each is a problem', async () => {
    const passages = await readCorpus(join(world, 'corpus.jsonl')).toArray();
    assert.deepEqual((await checkLabDenseIndex(out, { passages: passages.slice(1) })).problems, [`the index has ${PASSAGES} rows for ${PASSAGES - 1} passages`]);
    const renumbered = passages.map((p, i) => (i === 3 ? { ...p, id: 'x3' } : p));
    assert.deepEqual((await checkLabDenseIndex(out, { passages: renumbered, sample: 0 })).problems, ['row 3 of the index is passage "3", not "x3"']);
    const tiny = await loadEncoder(join(ROOT, 'datasets/fixtures/tiny-bert'));
    try {
      assert.match((await checkLabDenseIndex(out, { encoder: tiny })).problems.join('\n'), /not a Flat inner-product index of lab-e5-small's vectors \(dimension: 192 → 32\)/u);
    } finally {
      await tiny.dispose();
    }
    assert.deepEqual((await checkLabDenseIndex(join(dir, 'nothing-here'))).problems, [`${join(dir, 'nothing-here')} holds no finished dense index (no manifest.json)`]);
    const source = await readFile(join(out, 'source.json'));
    await rm(join(out, 'source.json'));
    try {
      assert.deepEqual((await checkLabDenseIndex(out)).problems, [`${out} has no source.json (what it was built from)`]);
    } finally {
      await writeFile(join(out, 'source.json'), source);
    }
  });

  test('building again replaces a finished index rather than reopening it', async () => {
    const file = join(out, 'index.faiss');
    const before = await readFile(file);
    const handle = await open(file, 'r+');
    await handle.write(new Uint8Array(new Float32Array([0.5]).buffer), 0, 4, 45);
    await handle.close();
    progress.length = 0;
    await buildLabDenseIndex({ world, encoder: ENCODER, out, onProgress: (done, total) => progress.push([done, total]) });
    assert.deepEqual(progress.at(-1), [PASSAGES, PASSAGES], 'the corpus was encoded again');
    assert.deepEqual((await checkLabDenseIndex(out, { sample: PASSAGES })).problems, []);
    assert.equal((await readFile(file)).length, before.length);
  });

  test('s3lab index lab-dense builds one and --check accepts it; a changed corpus fails the check (exit 2)', async () => {
    const cliOut = join(dir, 'indexes', 'cli');
    const built = s3lab('index', 'lab-dense', '--world', world, '--encoder', ENCODER, '--out', cliOut);
    assert.equal(built.status, 0, built.stderr);
    assert.match(built.stdout, new RegExp(`dense index of ${PASSAGES} passages in ${cliOut} `, 'u'));
    const checked = s3lab('index', 'lab-dense', '--check', '--out', cliOut, '--sample', '8');
    assert.equal(checked.status, 0, checked.stderr);
    assert.match(checked.stdout, new RegExp(`^${cliOut}: ${PASSAGES} vectors built from the corpus and encoder files there now; 8 passages encoded again differ from their stored vectors by at most \\d\\.\\de[-+]\\d+\\n$`, 'u'));
    const corpus = join(world, 'corpus.jsonl');
    const original = await readFile(corpus, 'utf8');
    try {
      await writeFile(corpus, original.split('\n').slice(1).join('\n'));
      const failed = s3lab('index', 'lab-dense', '--check', '--out', cliOut);
      assert.equal(failed.status, 2);
      assert.match(failed.stderr, /the index has 40 rows for 39 passages/u);
      assert.match(failed.stderr, /is not the lab world's dense index \(rebuild it with: s3lab index lab-dense --out /u);
    } finally {
      await writeFile(corpus, original);
    }
  });
});
