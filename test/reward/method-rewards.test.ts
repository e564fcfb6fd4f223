// The rewards of the trained baselines: Search-R1's exact match of its own answer, DeepRetrieval's recall of the supporting passages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OwnAnswerReward, RetrievalRecallReward, toRewardTrajectory, type RewardTrajectory } from '@s3lab/toolkit';

const base: RewardTrajectory = { question: 'In what year was Dusstad founded?', goldenAnswers: ['1282'], context: '', documents: 0, searcherTokens: 5, turns: 1 };

describe('OwnAnswerReward (Search-R1)', () => {
  it('rewards the exact match of the policy\'s own answer, 0 without one, and logs the span match as GenAcc', async () => {
    const details = await new OwnAnswerReward().scoreDetailed([
      { ...base, answer: 'the 1282' },
      { ...base, answer: 'in 1282 I think' },
      { ...base, answer: '1283' },
      { ...base },
    ]);
    assert.deepEqual(details.map((d) => d.reward), [1, 0, 0, 0]);
    assert.deepEqual(details.map((d) => d.genAcc), [1, 1, 0, 0]);
    assert.equal(details[3]!.answer, '');
  });
});

describe('RetrievalRecallReward (DeepRetrieval)', () => {
  it('is the share of the supporting passages among the first k retrieved', async () => {
    const reward = new RetrievalRecallReward({ k: 3 });
    const details = await reward.scoreDetailed([
      { ...base, retrievedIds: ['7', '2', '9'], goldDocs: ['2', '5'] },
      { ...base, retrievedIds: ['5', '2'], goldDocs: ['2', '5'] },
      { ...base, retrievedIds: ['1', '3', '4', '2'], goldDocs: ['2'] },
      { ...base, goldDocs: ['2'] },
    ]);
    assert.deepEqual(details.map((d) => d.reward), [0.5, 1, 0, 0]);
    assert.ok(details.every((d) => d.genAcc === null));
  });

  it('refuses a question without supporting passages and a k below 1', async () => {
    await assert.rejects(new RetrievalRecallReward({ k: 3 }).scoreDetailed([{ ...base, retrievedIds: ['1'] }]), /trajectories\[0\].*no goldDocs/u);
    assert.throws(() => new RetrievalRecallReward({ k: 0 }), /k must be an integer ≥ 1/u);
  });

  it('reads the retrieved ids and the own answer from a trajectory', () => {
    const turn = (ids: string[]) => ({ output: '', response: '', observation: '', action: 'search' as const, query: 'q', retrieved: ids.map((id) => ({ id, title: 't', text: 'x', score: 1 })), selectedIds: [], searchComplete: false, finishReason: 'stop' as const, tokens: 3, issues: [] });
    const t = toRewardTrajectory({ question: 'Q?', context: '', counts: { documents: 0, searcherTokens: 6, turns: 2, searches: 2 }, answer: 'A', turns: [turn(['4', '1']), turn(['9'])] }, ['A'], undefined, ['1']);
    assert.deepEqual(t.retrievedIds, ['4', '1', '9']);
    assert.equal(t.answer, 'A');
    assert.deepEqual(t.goldDocs, ['1']);
  });
});
