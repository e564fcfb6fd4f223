import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  analyze, Bm25Index, buildBm25Index, generateLabWorld, lengthToNorm, normToLength, openBm25Index, parseQuery,
  porterStem, saveBm25Index, standardTokenize, writeJsonl,
} from '@s3lab/toolkit';

const f = Math.fround;

/** Lucene 8 BM25Similarity restated from its source, for hand computation. */
function luceneScore(freq: number, length: number, df: number, docCount: number, avgdl: number, boost = 1): number {
  const idf = f(Math.log(1 + (docCount - df + 0.5) / (df + 0.5)));
  const weight = f(boost * idf);
  const normInverse = f(1 / f(0.9 * f(f(1 - f(0.4)) + f(f(f(0.4) * length) / avgdl))));
  return f(weight - f(weight / f(1 + f(freq * normInverse))));
}

describe('English analyzer (Lucene/Pyserini chain)', () => {
  test('possessives, stop words, lowercasing, Porter stems', () => {
    assert.deepEqual(analyze("The founder's Cities WERE founded in 1843"), ['founder', 'citi', 'were', 'found', '1843']);
    assert.deepEqual(analyze('Running runners ran'), ['run', 'runner', 'ran']);
    assert.deepEqual(analyze("O'Neil and the"), ["o'neil"]);
    assert.deepEqual(analyze("JOHN'S dog’s it's"), ['john', 'dog']);
    assert.deepEqual(analyze(''), []);
  });

  test('numbers, decimals, inner punctuation and hyphens follow UAX#29 as StandardTokenizer does', () => {
    assert.deepEqual(standardTokenize('1,000 3.14 1.2.3 U.S.A. a.1 10:30 a:b'), ['1,000', '3.14', '1.2.3', 'U.S.A', 'a', '1', '10', '30', 'a:b']);
    assert.deepEqual(standardTokenize('state-of-the-art x86_64 _ __init__ C++ 5km/h'), ['state', 'of', 'the', 'art', 'x86_64', '__init__', 'C', '5km', 'h']);
    assert.deepEqual(standardTokenize('"Quoted Title"\ntext'), ['Quoted', 'Title', 'text']);
  });

  test('unicode: accents stay in words, one token per ideograph, Thai runs whole, emoji kept', () => {
    assert.deepEqual(analyze('Zürich São Paulo naïve café'), ['zürich', 'são', 'paulo', 'naïv', 'café']);
    assert.deepEqual(standardTokenize('北京大学 カタカナ ภาษาไทย 😀'), ['北', '京', '大', '学', 'カタカナ', 'ภาษาไทย', '😀']);
    assert.deepEqual(analyze('ΟΔΟΣ İstanbul'), ['οδοσ', 'istanbul']); // Java's per-character lowercase: no final sigma
  });

  test('tokens longer than 255 characters are cut, as Lucene does', () => {
    assert.deepEqual(standardTokenize('x'.repeat(300)).map((t) => t.length), [255, 45]);
  });

  test("Porter stems as Lucene's PorterStemmer (Porter's C version)", () => {
    const cases: Record<string, string> = {
      generalizations: 'gener', relational: 'relat', conditional: 'condit', hesitanci: 'hesit', digitizer: 'digit',
      conformabli: 'conform', radicalli: 'radic', analogousli: 'analog', electriciti: 'electr', hopeful: 'hope',
      adjustable: 'adjust', homologou: 'homolog', controll: 'control', skies: 'ski', sky: 'sky', dying: 'dy', news: 'new', as: 'as',
    };
    for (const [word, stem] of Object.entries(cases)) assert.equal(porterStem(word), stem, word);
  });
});

describe('Lucene BM25 scoring', () => {
  test('the lossy norm: lengths above 24 keep 4 significant bits', () => {
    assert.equal(normToLength(lengthToNorm(23)), 23);
    assert.equal(normToLength(lengthToNorm(40)), 40);
    assert.equal(normToLength(lengthToNorm(41)), 40);
    assert.equal(normToLength(lengthToNorm(100)), 96);
    assert.equal(lengthToNorm(2 ** 31 - 1), 255);
  });

  test('scores equal a hand computation of Lucene 8 BM25 (k1 0.9, b 0.4), norm quantisation included', () => {
    const docs = [
      { id: 'a', contents: `vessa ${'filler '.repeat(99)}` }, // 100 terms, stored as 96
      { id: 'b', contents: 'other words here' },
      { id: 'c', contents: 'vessa vessa river' },
    ];
    const index = Bm25Index.build(docs, { threads: 0 });
    const avgdl = f((100 + 3 + 3) / 3);
    const [c, a] = index.searchOne('Vessa', 10);
    assert.equal(c?.id, 'c');
    assert.equal(c?.score, luceneScore(2, 3, 2, 3, avgdl));
    assert.equal(a?.id, 'a');
    assert.equal(a?.score, luceneScore(1, 96, 2, 3, avgdl));
    assert.notEqual(a?.score, luceneScore(1, 100, 2, 3, avgdl));
    // A repeated query term is one clause with boost 2 (Lucene's BooleanQuery rewrite).
    assert.equal(index.searchOne('vessa vessa', 1)[0]?.score, luceneScore(2, 3, 2, 3, avgdl, 2));
    // Two terms: float scores summed in double, then rounded to float.
    const both = index.searchOne('vessa river', 1)[0];
    assert.equal(both?.score, f(luceneScore(2, 3, 2, 3, avgdl) + luceneScore(1, 3, 1, 3, avgdl)));
  });

  test('hits carry id, title, text and contents; k is respected; unknown terms match nothing', async () => {
    const index = Bm25Index.build([
      { id: 'a', title: 'Ostrava', text: 'Ostrava stands on the Vessa River.' },
      { id: 'b', title: 'Brenn', text: 'Brenn is a city with a river port and a river market.' },
    ], { threads: 0 });
    const [hits] = await index.search(['river'], 1);
    assert.deepEqual(hits?.map((h) => [h.id, h.title, h.text, h.contents]), [['b', 'Brenn', 'Brenn is a city with a river port and a river market.', '"Brenn"\nBrenn is a city with a river port and a river market.']]);
    assert.deepEqual(index.searchOne('zebra the of', 3), []);
    assert.deepEqual(index.searchOne('river', 0), []);
  });

  test('equal scores rank in corpus order', () => {
    const twins = Bm25Index.build([{ id: 'x', contents: 'same words' }, { id: 'y', contents: 'same words' }], { threads: 0 });
    assert.deepEqual(twins.searchOne('words', 2).map((h) => h.id), ['x', 'y']);
  });
});

describe('MaxScore pruning', () => {
  // Every passage twice (ties to break by doc number), and a large k that disables pruning as the reference.
  const lab = generateLabWorld({ seed: 5, scale: 0.05 });
  const doubled = lab.corpus.flatMap((d) => [d, { ...d, id: `${d.id}-again` }]);
  const index = Bm25Index.build(doubled, { threads: 0 });
  const queries = [...lab.splits.test, ...lab.splits.dev].flatMap((q) => [q.question, ...(q.decomposition ?? [])]).slice(0, 300);
  queries.push('the city river year born founded', 'river river river city', 'was the of');

  test('the pruned top k is the exhaustive top k: same passages, order, ties and float32 scores', () => {
    for (const q of queries) {
      const all = index.searchOne(q, doubled.length);
      for (const k of [1, 2, 5, 10, 40]) assert.deepEqual(index.searchOne(q, k), all.slice(0, k), `${q} (k = ${k})`);
    }
  });

  test('tied twins stay adjacent, lower doc number first', () => {
    const hits = index.searchOne(queries[0] as string, 10);
    for (let i = 0; i + 1 < hits.length; i += 2) {
      assert.equal(hits[i]?.score, hits[i + 1]?.score);
      assert.equal(`${hits[i]?.id ?? ''}-again`, hits[i + 1]?.id);
    }
  });
});

describe('boolean queries', () => {
  const index = Bm25Index.build([
    { id: 'talvik', contents: '"Maren Talvik"\nMaren Talvik was born in Ostrava.' },
    { id: 'ostrava', contents: '"Ostrava"\nOstrava stands on the Vessa River.' },
    { id: 'brenn', contents: '"Brenn"\nBrenn is a river port.' },
    { id: 'born', contents: '"Kel"\nKel was born in Brenn.' },
  ], { threads: 0 });
  const ids = (q: string): string[] => index.searchOne(q, 10).map((h) => h.id).sort();

  test('plain text is a bag of words; AND requires, OR and adjacency do not', () => {
    assert.equal(parseQuery('Where was Talvik born?').syntax, 'bag-of-words');
    assert.deepEqual(ids('Talvik born'), ['born', 'talvik']);
    assert.deepEqual(ids('Talvik AND born'), ['talvik']);
    assert.deepEqual(ids('Talvik OR Brenn'), ['born', 'brenn', 'talvik']);
    assert.deepEqual(ids('(Ostrava OR Brenn) AND river'), ['brenn', 'ostrava']);
    assert.deepEqual(ids('river AND (Ostrava OR Brenn) AND stands'), ['ostrava']);
  });

  test("operators follow Lucene's classic QueryParser: AND makes both neighbours required", () => {
    // "born OR Brenn AND Kel" = born +Brenn +Kel
    assert.deepEqual(ids('born OR Brenn AND Kel'), ['born']);
    const parsed = parseQuery('born OR Brenn AND Kel').query;
    assert.ok(parsed?.kind === 'boolean');
    assert.deepEqual(parsed.must.map((n) => (n.kind === 'term' ? n.term : '?')), ['brenn', 'kel']);
  });

  test('a quoted phrase inside a boolean query is the AND of its terms; stop words add no clause', () => {
    assert.deepEqual(ids('"Vessa River" OR Kel'), ['born', 'ostrava']);
    assert.deepEqual(ids('the AND Talvik'), ['talvik']);
  });

  test('scores are the sum of the matching clauses', () => {
    const [and] = index.searchOne('Talvik AND born', 1);
    const [talvik] = index.searchOne('Talvik', 1);
    const talvikBorn = index.searchOne('born', 10).find((h) => h.id === 'talvik');
    assert.equal(and?.score, f((talvik?.score ?? 0) + (talvikBorn?.score ?? 0)));
  });

  test('malformed queries fall back to the bag of words, in a batch too, and say why', async () => {
    for (const q of ['Talvik AND', 'AND Talvik', '(Talvik OR born', 'Talvik OR born)', 'Talvik AND AND born', '() OR x', '"Talvik OR born']) {
      const parsed = parseQuery(q);
      assert.equal(parsed.syntax, 'bag-of-words', q);
      assert.ok(parsed.fallback, q);
    }
    const results = await index.search(['Talvik AND', 'Ostrava OR (', 'born'], 5);
    assert.deepEqual(results[0]?.map((h) => h.id), index.searchOne('Talvik', 5).map((h) => h.id));
    assert.equal(results.length, 3);
  });

  test("syntax: 'bag-of-words' reads operators as Pyserini does (stop words)", () => {
    const pyserini = Bm25Index.build([{ id: 'a', contents: 'talvik' }, { id: 'b', contents: 'born' }], { threads: 0, syntax: 'bag-of-words' });
    assert.deepEqual(pyserini.searchOne('talvik AND born', 5).map((h) => h.id).sort(), ['a', 'b']);
  });
});

describe('on-disk index and worker threads', () => {
  const lab = generateLabWorld({ seed: 3, scale: 0.05 });
  const queries = [...lab.splits.test, ...lab.splits.dev].map((q) => q.question).slice(0, 120);
  queries.push('bridge AND (river OR city)', 'unbalanced (', '');
  const memory = Bm25Index.build(lab.corpus, { threads: 0 });
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  test('build from a corpus file → open: the same stats and hits as the in-memory index', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3lab-bm25-'));
    dirs.push(dir);
    await writeJsonl(join(dir, 'corpus.jsonl'), lab.corpus);
    const progress: number[] = [];
    const stats = await buildBm25Index({ corpusPath: join(dir, 'corpus.jsonl'), outDir: join(dir, 'index'), onProgress: (done) => progress.push(done), progressEvery: 100 });
    assert.equal(stats.documents, lab.corpus.length);
    assert.equal(progress[progress.length - 1], lab.corpus.length);
    const opened = await openBm25Index(join(dir, 'index'), { threads: 0, preloadContentsBytes: 0 });
    assert.deepEqual(opened.stats, memory.stats);
    assert.deepEqual(queries.map((q) => opened.searchOne(q, 10)), queries.map((q) => memory.searchOne(q, 10)));
    await opened.close();
  });

  test('saveBm25Index writes what openBm25Index reads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3lab-bm25-'));
    dirs.push(dir);
    await saveBm25Index(memory, dir);
    const opened = await openBm25Index(dir, { threads: 0 });
    assert.deepEqual(queries.slice(0, 20).map((q) => opened.searchOne(q, 5)), queries.slice(0, 20).map((q) => memory.searchOne(q, 5)));
  });

  test('a batch on worker threads returns exactly the single-thread results, in order', async () => {
    const threaded = Bm25Index.build(lab.corpus, { threads: 2, minBatchForThreads: 4 });
    try {
      assert.deepEqual(await threaded.search(queries, 10), queries.map((q) => memory.searchOne(q, 10)));
      assert.deepEqual(await threaded.search(queries.slice(0, 2), 3), queries.slice(0, 2).map((q) => memory.searchOne(q, 3)));
    } finally {
      await threaded.close();
    }
  });
});
