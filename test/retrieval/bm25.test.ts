import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyze, Bm25Index } from '@s3lab/toolkit';

describe('English analyzer', () => {
  test('lowercases, drops Lucene stop words and possessives, Porter-stems', () => {
    assert.deepEqual(analyze("The founder's Cities WERE founded in 1843"), ['founder', 'citi', 'were', 'found', '1843']);
    assert.deepEqual(analyze('Running runners ran'), ['run', 'runner', 'ran']);
    assert.deepEqual(analyze("O'Neil and the"), ["o'neil"]);
    assert.deepEqual(analyze(''), []);
  });
});

describe('BM25', () => {
  const docs = [
    { id: 'a', title: 'Ostrava', text: 'Ostrava stands on the Vessa River.' },
    { id: 'b', title: 'Brenn', text: 'Brenn is a city with a river port and a river market.' },
    { id: 'c', title: 'Talvik', text: 'Maren Talvik was born in Ostrava in 1843.' },
  ];
  const index = Bm25Index.build(docs);

  test('scores with Lucene BM25 (k1 = 0.9, b = 0.4), computed by hand', () => {
    // Query "vessa": only doc a has it once. N = 3, df = 1; doc a's analyzed length = 5 (ostrava, ostrava, stand, vessa, river).
    const lengths = docs.map((d) => analyze(`${d.title}\n${d.text}`).length);
    const avgdl = lengths.reduce((s, l) => s + l, 0) / lengths.length;
    const idf = Math.log(1 + (3 - 1 + 0.5) / (1 + 0.5));
    const expected = (idf * 1) / (1 + 0.9 * (1 - 0.4 + (0.4 * (lengths[0] as number)) / avgdl));
    const [hit] = index.searchOne('Vessa', 10);
    assert.equal(hit?.id, 'a');
    assert.ok(Math.abs((hit?.score ?? 0) - expected) < 1e-12, `${hit?.score} vs ${expected}`);
  });

  test('ranks by summed term scores, returns title and text, respects k', async () => {
    const [hits] = await index.search(['river'], 2);
    assert.deepEqual(hits?.map((h) => h.id), ['b', 'a']); // two occurrences beat one
    assert.equal(hits?.[0]?.title, 'Brenn');
    const [born] = await index.search(['Where was Talvik born?'], 5);
    assert.deepEqual(born?.map((h) => h.id), ['c']);
  });

  test('a query with no known term, or k = 0, returns nothing', () => {
    assert.deepEqual(index.searchOne('zebra the of', 3), []);
    assert.deepEqual(index.searchOne('river', 0), []);
  });

  test('equal scores keep corpus order', () => {
    const twins = Bm25Index.build([{ id: 'x', title: 't', text: 'same words' }, { id: 'y', title: 't', text: 'same words' }]);
    assert.deepEqual(twins.searchOne('words', 2).map((h) => h.id), ['x', 'y']);
  });
});
