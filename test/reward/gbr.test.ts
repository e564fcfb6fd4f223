import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { combineReward, GenerationReward, RagCache, type RagCacheEntry, type RewardTrajectory } from '@s3lab/toolkit';
import { fakeChat, systemText, userText } from './fake-chat.js';

function entry(question: string, score: 0 | 1, dataSource = 'lab'): RagCacheEntry {
  return { id: question, dataSource, question, goldenAnswers: ['x'], answer: 'a', score, emScore: score, f1: score, judged: false, docIds: [], k: 3, contextFormat: 'original', generator: 'gen', judge: 'gen' };
}

function trajectory(question: string, goldenAnswers: string[], context: string): RewardTrajectory {
  return { question, goldenAnswers, context, documents: 1, searcherTokens: 5, turns: 1 };
}

// The generator "reads" its context: it answers with the context's text after the header line, or "unknown".
const reader = () => fakeChat('gen', (r) => /\(Title: T\)\n(.*)\n/u.exec(systemText(r))?.[1] ?? 'unknown');

describe('combineReward', () => {
  it('gbr = GenAcc − RAG GenAcc; gbr+genacc adds GenAcc; genacc ignores the baseline', () => {
    const table: [number, number, number, number, number][] = [
      // genAcc, rag, gbr, gbr+genacc, genacc
      [1, 0, 1, 2, 1],
      [1, 1, 0, 1, 1],
      [0, 0, 0, 0, 0],
      [0, 1, -1, -1, 0],
    ];
    for (const [genAcc, rag, gbr, sum, alone] of table) {
      assert.equal(combineReward('gbr', genAcc, rag), gbr);
      assert.equal(combineReward('gbr+genacc', genAcc, rag), sum);
      assert.equal(combineReward('genacc', genAcc, rag), alone);
    }
  });
});

describe('GenerationReward', () => {
  const cache = new RagCache([entry('Q solved?', 1), entry('Q unsolved?', 0), entry('Q other?', 1, 'nq')]);
  const good = 'Doc 1 (Title: T)\n1282\n\n';
  const bad = 'Doc 1 (Title: T)\nnothing useful\n\n';
  const trajectories = [
    trajectory('Q unsolved?', ['1282'], good), // gain: 1 − 0
    trajectory('Q solved?', ['1282'], good), // no gain: 1 − 1
    trajectory('Q solved?', ['1282'], bad), // loss: 0 − 1
    trajectory('Q unsolved', ['1282'], bad), // 0 − 0; the cache key is normalised ("?" added)
  ];

  it('scores GBR by default and records the variant and its parts', async () => {
    const judge = fakeChat('judge', () => 'no');
    const reward = new GenerationReward({ generator: reader(), judge, ragCache: cache });
    assert.equal(reward.variant, 'gbr');
    assert.deepEqual(await reward.score(trajectories), [1, 0, -1, 0]);
    const details = await reward.scoreDetailed(trajectories);
    assert.deepEqual(details.map((d) => [d.genAcc, d.ragGenAcc, d.gbr, d.variant, d.ragSource]), [
      [1, 0, 1, 'gbr', 'cache'], [1, 1, 0, 'gbr', 'cache'], [0, 1, -1, 'gbr', 'cache'], [0, 0, 0, 'gbr', 'cache'],
    ]);
    assert.equal(details[0]?.em, 1);
    assert.equal(judge.calls[0]?.length, 2, 'the judge sees only the span-match failures');
  });

  it('gbr+genacc (the shipped trainer) and genacc', async () => {
    const sum = new GenerationReward({ generator: reader(), ragCache: cache, variant: 'gbr+genacc' });
    assert.deepEqual(await sum.score(trajectories), [2, 1, -1, 0]);
    const alone = new GenerationReward({ generator: reader(), variant: 'genacc' });
    assert.deepEqual(await alone.score(trajectories), [1, 1, 0, 0]);
    assert.equal((await alone.scoreDetailed(trajectories))[0]?.ragGenAcc, null);
  });

  it('span and em: GBR over the span match or exact match, both terms, never asking the judge', async () => {
    // Naive RAG answered "in 1282" (a span match, not an exact match) and "1282" (both).
    const cached = new RagCache([{ ...entry('Q span?', 1), goldenAnswers: ['1282'], answer: 'in 1282', emScore: 0 }, { ...entry('Q exact?', 1), goldenAnswers: ['1282'], answer: '1282', emScore: 1 }]);
    const answers = fakeChat('gen', (r) => (userText(r) === 'Q span?' ? '1282' : 'about 1282'));
    const judge = fakeChat('judge', () => 'yes');
    const items = [trajectory('Q span?', ['1282'], good), trajectory('Q exact?', ['1282'], good)];
    const em = new GenerationReward({ generator: answers, judge, ragCache: cached, variant: 'em' });
    // EM: 1 − 0 for "1282" after "in 1282"; 0 − 1 for "about 1282" after "1282".
    assert.deepEqual(await em.score(items), [1, -1]);
    const span = new GenerationReward({ generator: answers, judge, ragCache: cached, variant: 'span' });
    assert.deepEqual(await span.score(items), [0, 0]);
    const details = await em.scoreDetailed(items);
    assert.deepEqual(details.map((d) => [d.genAcc, d.ragGenAcc, d.gbr, d.em]), [[1, 1, 0, 1], [1, 1, 0, 0]], 'GenAcc and its GBR are still reported');
    assert.equal(judge.calls.length, 0);
  });

  it('looks questions up in their own data source', async () => {
    const reward = new GenerationReward({ generator: reader(), ragCache: cache });
    assert.deepEqual(await reward.score([{ ...trajectory('Q other?', ['1282'], good), dataSource: 'nq' }]), [0]);
  });

  it('a question missing from the cache is an error naming it, or with missingRag zero-shot the zero-shot GenAcc', async () => {
    const missing = trajectory('Never cached?', ['1282'], good);
    await assert.rejects(new GenerationReward({ generator: reader(), ragCache: cache }).score([missing]), /not in the RAG cache, e\.g\. "Never cached\?"/u);
    const generator = fakeChat('gen', (r) => (systemText(r).includes('Contexts') ? '1282' : userText(r) === 'Never cached?' ? '1282' : 'x'));
    const reward = new GenerationReward({ generator, ragCache: cache, missingRag: 'zero-shot' });
    const [detail] = await reward.scoreDetailed([missing]);
    assert.deepEqual([detail?.ragGenAcc, detail?.ragSource, detail?.reward], [1, 'zero-shot', 0]);
  });

  it('rejects bad settings and bad trajectories with the field named', async () => {
    assert.throws(() => new GenerationReward({ generator: reader() }), /GenerationReward: ragCache: every variant but genacc subtracts naive RAG and needs a ragCache/u);
    assert.throws(() => new GenerationReward({ generator: reader(), variant: 'gbr2' as 'gbr', ragCache: cache }), /GenerationReward: variant/u);
    const reward = new GenerationReward({ generator: reader(), ragCache: cache });
    await assert.rejects(reward.score([{ ...trajectories[0], goldenAnswers: 'x' } as unknown as RewardTrajectory]), /trajectories\[0\]: goldenAnswers/u);
  });
});
