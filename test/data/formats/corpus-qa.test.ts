import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { joinContents, normalizeQuestion, readCorpus, readQa, splitContents, writeJsonl, type DataProblem } from '@s3lab/toolkit';

const LAB = fileURLToPath(new URL('../../../datasets/lab/', import.meta.url));

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 's3lab-corpus-qa-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('corpus', () => {
  it('reads wiki-18 lines, normalising numeric ids to strings', async () => {
    const path = join(dir, 'corpus.jsonl');
    // Two lines as wiki-18 has them, one with a numeric id, one with an extra field.
    await writeFile(
      path,
      '{"id": "1", "contents": "\\"Aaron\\"\\nAaron is a prophet."}\n' +
        '{"id": 2, "contents": "\\"Sm\u00f8rrebr\u00f8d\\"\\nOpen sandwich.\\nSecond line."}\n' +
        '{"id": "3", "contents": "\\"T\\"\\nx", "extra": true}\n',
    );
    const docs = await readCorpus(path).toArray();
    assert.deepEqual(docs, [
      { id: '1', contents: '"Aaron"\nAaron is a prophet.' },
      { id: '2', contents: '"Smørrebrød"\nOpen sandwich.\nSecond line.' },
      { id: '3', contents: '"T"\nx' },
    ]);
    assert.deepEqual(splitContents(docs[1]?.contents ?? ''), { title: 'Smørrebrød', text: 'Open sandwich.\nSecond line.' });
  });

  it('reports a line without contents or with a fractional id', async () => {
    const path = join(dir, 'bad-corpus.jsonl');
    await writeFile(path, '{"id":"1","contents":"\\"A\\"\\na"}\n{"id":"2"}\n{"id":2.5,"contents":"x"}\n');
    const problems: DataProblem[] = [];
    const docs = await readCorpus(path, { onError: (p) => problems.push(p) }).toArray();
    assert.equal(docs.length, 1);
    assert.deepEqual(
      problems.map((p) => p.line),
      [2, 3],
    );
    assert.match(problems[0]?.reason ?? '', /^contents: /);
  });

  it('reads the lab world corpus', async () => {
    const stream = readCorpus(join(LAB, 'corpus.jsonl'));
    const first = (await stream.toArray())[0];
    assert.equal(stream.stats.problems, 0);
    assert.ok(stream.stats.records > 1000);
    assert.ok(first && !splitContents(first.contents).title.startsWith('"'));
  });

  it('splits and joins contents as inverses, quoting the title like wiki-18', () => {
    assert.equal(joinContents('Paris', 'Capital.\nOf France.'), '"Paris"\nCapital.\nOf France.');
    for (const [title, text] of [
      ['Paris', 'Capital.'],
      ['"Weird Al" Yankovic', 'Musician.'],
      ['', ''],
      ['Only title', ''],
    ] as const) {
      assert.deepEqual(splitContents(joinContents(title, text)), { title, text });
    }
    assert.deepEqual(splitContents('No quotes\ntext'), { title: 'No quotes', text: 'text' });
    assert.deepEqual(splitContents('"Title only"'), { title: 'Title only', text: '' });
    assert.deepEqual(splitContents('"Paris"\nCapital.', { stripQuotes: false }), { title: '"Paris"', text: 'Capital.' });
    assert.throws(() => joinContents('two\nlines', 'x'), RangeError);
  });
});

describe('QA', () => {
  it('reads FlashRAG records and keeps fields it does not know', async () => {
    const path = join(dir, 'qa.jsonl');
    const records = [
      { id: 'train_0', question: 'who wrote hamlet', golden_answers: ['Shakespeare', 'William Shakespeare'] },
      {
        id: 7,
        question: 'Which is older?',
        golden_answers: ['A'],
        type: 'comparison',
        supporting_facts: { title: ['A', 'B'], sent_id: [0, 1] },
        metadata: { level: 'hard' },
        decomposition: ['q1', 'q2'],
      },
    ];
    await writeJsonl(path, records);
    const read = await readQa(path).toArray();
    assert.deepEqual(read, [records[0], { ...records[1], id: '7' }]);
    assert.deepEqual(read[1]?.decomposition, ['q1', 'q2']);
  });

  it('reports a record whose golden answers are not a list of strings', async () => {
    const path = join(dir, 'bad-qa.jsonl');
    await writeFile(path, '{"id":"1","question":"q?","golden_answers":["a"]}\n{"id":"2","question":"q?","golden_answers":"a"}\n');
    await assert.rejects(readQa(path).toArray(), { line: 2, reason: /^golden_answers: / });
  });

  it('reads the lab world splits', async () => {
    for (const split of ['train', 'dev', 'test']) {
      const stream = readQa(join(LAB, `${split}.jsonl`));
      const records = await stream.toArray();
      assert.ok(records.length > 0);
      assert.equal(stream.stats.problems, 0);
      assert.ok(records.every((r) => r.golden_answers.length > 0));
    }
  });

  it('normalises questions as the s3 scripts do', () => {
    assert.equal(normalizeQuestion('  who wrote hamlet \n'), 'who wrote hamlet?');
    assert.equal(normalizeQuestion('Who wrote Hamlet?'), 'Who wrote Hamlet?');
    assert.equal(normalizeQuestion('\u3000what?\u00a0'), 'what?');
    assert.equal(normalizeQuestion('is it ? '), 'is it ?');
    assert.throws(() => normalizeQuestion(' \t'), RangeError);
  });
});
