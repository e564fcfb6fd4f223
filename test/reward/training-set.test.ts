import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildTrainingRows, filterTrainingQuestions, isYesNoQuestion, RagCache, readTrainingParquet, writeTrainingParquet, type RagCacheEntry } from '@s3lab/toolkit';

function cached(question: string, score: 0 | 1): RagCacheEntry {
  return { id: question, dataSource: 'lab', question, goldenAnswers: [], answer: '', score, emScore: 0, f1: 0, judged: false, docIds: [], k: 3, contextFormat: 'original', generator: 'g', judge: null };
}

describe('the training filter', () => {
  it('drops questions with a yes/no/true/false golden answer in any case, and only exact ones', () => {
    for (const golden of [['yes'], ['No'], ['TRUE'], ['False'], ['Paris', 'yes']]) assert.equal(isYesNoQuestion(golden), true, golden.join());
    for (const golden of [['Norway'], ['yes, in 1990'], ['not'], [' yes'], []]) assert.equal(isYesNoQuestion(golden), false, golden.join());
  });

  it('drops yes/no questions and those the RAG cache scores 1, keeps the rest (uncached included), and counts each', () => {
    const cache = new RagCache([cached('Solved?', 1), cached('Unsolved?', 0), cached('Yes or no?', 0)]);
    const questions = [
      { id: '1', question: 'Solved', golden_answers: ['a'] },
      { id: '2', question: ' Unsolved? ', golden_answers: ['b'] },
      { id: '3', question: 'Yes or no?', golden_answers: ['Yes'] },
      { id: '4', question: 'Never cached?', golden_answers: ['c'] },
    ];
    const result = filterTrainingQuestions(questions, cache, 'lab');
    assert.deepEqual(result.kept.map((q) => q.id), ['2', '4']);
    assert.deepEqual([result.yesNo, result.solvedByRag, result.notInCache], [1, 1, 1]);
    assert.deepEqual(filterTrainingQuestions(questions, cache, 'nq').kept.map((q) => q.id), ['1', '2', '4'], 'another data source has no cache entries');
  });
});

describe('buildTrainingRows', () => {
  it('builds rows in the s3/verl layout that the parquet writer accepts and reads back', async () => {
    const questions = [
      { id: 'train_1', question: 'who founded cuga records ', golden_answers: ['Ann', 'A. B.'], supporting_facts: ['12', '40'] },
      { id: 'train_2', question: 'Where?', golden_answers: ['Oslo'], supporting_facts: [{ title: 'x', sent: 1 }] },
    ];
    const rows = await buildTrainingRows(questions, { dataSource: 'lab', searcherPrompt: async (q) => `PROMPT <question>\n${q.question}\n</question>` });
    assert.deepEqual(rows[0], {
      data_source: 'lab',
      prompt: [{ role: 'user', content: 'PROMPT <question>\nwho founded cuga records?\n</question>' }],
      ability: 'fact-reasoning',
      reward_model: { style: 'rule', ground_truth: { question: 'who founded cuga records?', target: ['Ann', 'A. B.'], gt_docs: ['12', '40'] } },
      extra_info: { split: 'train', index: 0 },
    });
    assert.deepEqual(rows[1]?.reward_model.ground_truth.gt_docs, [], 'supporting facts that are not doc ids give none');
    const dir = await mkdtemp(join(tmpdir(), 's3lab-train-rows-'));
    try {
      const path = join(dir, 'train.parquet');
      assert.equal(await writeTrainingParquet(path, rows), 2);
      const back = await readTrainingParquet(path).toArray();
      assert.deepEqual(back.map((r) => [r.reward_model.ground_truth.question, r.extra_info.index]), [['who founded cuga records?', 0], ['Where?', 1]]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
