/**
 * s3lab's BM25 against the real thing: Lucene 8 (Debian's liblucene8-java) run through the harness in
 * bench/lucene/, on the lab corpus. Missing Java or Lucene fails the test with the packages to install:
 * agreement with Lucene is a contract, not an optional extra.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { analyze, Bm25Index, type Hit } from '@s3lab/toolkit';
import { compileHarness, luceneAnalyze, runLucene } from '../../bench/lucene/harness.js';

const CORPUS = new URL('../../datasets/lab/corpus.jsonl', import.meta.url).pathname;
const TEST = new URL('../../datasets/lab/test.jsonl', import.meta.url).pathname;
const corpus = readFileSync(CORPUS, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; contents: string });
const questions = readFileSync(TEST, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { question: string; decomposition?: string[] });

/** Share of Lucene's top-k ids that s3lab's top k holds too, over all queries. */
function overlap(ours: Hit[][], lucene: [string, number][][]): number {
  let same = 0;
  let total = 0;
  lucene.forEach((theirs, i) => {
    const ids = new Set((ours[i] ?? []).map((h) => h.id));
    total += theirs.length;
    same += theirs.filter(([id]) => ids.has(id)).length;
  });
  return total === 0 ? 1 : same / total;
}

/** Queries whose ranking and float32 scores are identical to Lucene's, position by position. */
function identical(ours: Hit[][], lucene: [string, number][][]): number {
  return lucene.filter((theirs, i) => {
    const mine = ours[i] ?? [];
    return mine.length === theirs.length && theirs.every(([id, score], j) => mine[j]?.id === id && mine[j]?.score === Math.fround(score));
  }).length;
}

describe('agreement with Lucene 8 (Pyserini settings) on the lab corpus', () => {
  let dir: string;
  const index = Bm25Index.build(corpus, { threads: 0 });
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3lab-lucene-test-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  test('the Lucene harness compiles (needs Debian packages liblucene8-java openjdk-17-jdk-headless)', () => {
    compileHarness();
  });

  test('the analyzer yields exactly Lucene\'s terms for every lab passage and for hard cases', () => {
    const cases = [
      "The founder's Cities WERE founded in 1843", "1,000 3.14 1.2.3 a.b.c U.S.A. o'clock rock'n'roll a:b 10:30 1;2 1'000",
      'state-of-the-art e-mail x86_64 __init__ _ __ a_b_ _a', 'Zürich São Paulo naïve café Ångström résumé’s',
      'ΟΔΟΣ Σίσυφος İstanbul', '北京大学 東京 ひらがな カタカナ ｶﾀｶﾅ', 'ภาษาไทยง่าย ສະບາຍດີ 한국어 텍스트',
      'emoji 😀 👍🏽 👨‍👩‍👧 🇫🇷 #️⃣ © ®', 'עברית ג\'ירפה צה"ל', '١٢٣ عربي', 'C++ C# .NET node.js 3.5mm 5km/h 100% $5 €10',
      'www.example.com user@example.com http://a.b/c?d=e', 'soft\u00ADhyphen zero\u200Bwidth join\u200Dme', 'x'.repeat(300),
    ];
    const casesPath = join(dir, 'cases.jsonl');
    writeFileSync(casesPath, cases.map((contents, i) => `${JSON.stringify({ id: String(i), contents })}\n`).join(''));
    luceneAnalyze(casesPath).forEach(({ terms }, i) => assert.deepEqual(analyze(cases[i] as string), terms, cases[i]));

    const lucene = luceneAnalyze(CORPUS);
    assert.equal(lucene.length, corpus.length);
    const differing = lucene.filter(({ terms }, i) => JSON.stringify(analyze(corpus[i]?.contents ?? '')) !== JSON.stringify(terms));
    assert.deepEqual(differing.map((d) => d.id), []);
  });

  test('top-10 of 500 lab questions and their decomposition steps: ≥ 99% of Lucene\'s hits (bag of words, as Pyserini)', () => {
    const queries = questions.slice(0, 250).flatMap((q) => [q.question, ...(q.decomposition ?? []).slice(0, 1)]);
    const lucene = runLucene({ corpusPath: CORPUS, queries, k: 10 });
    const ours = queries.map((q) => index.searchOne(q, 10));
    const share = overlap(ours, lucene.hits);
    assert.ok(share >= 0.99, `top-10 overlap ${share}`);
    // In practice every ranking and every float32 score is Lucene's own.
    assert.ok(identical(ours, lucene.hits) >= 0.99 * queries.length, `${identical(ours, lucene.hits)} of ${queries.length} identical`);
  });

  test("boolean queries score and rank as Lucene's classic QueryParser (default operator OR) reads them", () => {
    const words = (text: string): string[] => text.split(/\s+/u).filter((w) => /^[A-Za-z]{3,}$/u.test(w));
    const queries = questions.slice(0, 150).flatMap((q) => {
      const w = words(q.question);
      const [a, b, c, d] = [w[0] ?? 'city', w[1] ?? 'river', w[w.length - 1] ?? 'year', w[w.length - 2] ?? 'born'];
      return [`${a} AND ${c}`, `(${a} OR ${b}) AND ${c}`, `${a} OR ${b} AND ${c} ${d}`, `${d} AND (${b} OR (${c} AND ${a}))`];
    });
    const lucene = runLucene({ corpusPath: CORPUS, queries, k: 10, mode: 'classic' });
    const ours = queries.map((q) => index.searchOne(q, 10));
    const share = overlap(ours, lucene.hits);
    assert.ok(share >= 0.99, `top-10 overlap ${share}`);
    assert.ok(identical(ours, lucene.hits) >= 0.99 * queries.length, `${identical(ours, lucene.hits)} of ${queries.length} identical`);
  });
});
