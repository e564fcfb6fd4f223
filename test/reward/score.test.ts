import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateAnswers, scoreContexts, scoreGenAcc, toRewardTrajectory, exactMatch, f1Score, type Trajectory } from '@s3lab/toolkit';
import { fakeChat, systemText, userText } from './fake-chat.js';

// The generator copies the first year of its context; zero-shot it guesses "1900" for B and nothing else.
const reader = () => fakeChat('reader', (r) => (systemText(r).includes('Contexts') ? /\d{4}/u.exec(systemText(r))?.[0] ?? 'no idea' : userText(r).includes('B') ? 'nineteen hundred' : 'no idea'));
const items = [
  { question: 'Year of A?', goldenAnswers: ['1282'], context: 'Doc 1 (Title: T)\nIt was 1282.\n\n' },
  { question: 'Year of B?', goldenAnswers: ['1900'], context: 'ignored', zeroShot: true },
  { question: 'Year of C?', goldenAnswers: ['1850'], context: 'Doc 1 (Title: T)\nIt was 1851.\n\n' },
];

describe('scoreContexts', () => {
  it('one generator call for the batch, one judge call for the span-match failures; answer, GenAcc, EM, F1 per item', async () => {
    const generator = reader();
    const judge = fakeChat('judge', (r) => (userText(r).includes('nineteen hundred') ? 'Yes.' : 'No.'));
    const scored = await scoreContexts(items, { generator, judge, maxTokens: 8 });
    assert.equal(generator.calls.length, 1);
    assert.deepEqual(generator.calls[0]?.map((r) => [r.maxTokens, r.messages.length, systemText(r).includes('Contexts')]), [[8, 2, true], [8, 2, false], [8, 2, true]], 'a zero-shot item gets the no-context prompt');
    assert.equal(judge.calls.length, 1);
    assert.equal(judge.calls[0]?.length, 2, 'the judge sees B and C only');
    assert.deepEqual(scored.map((s) => [s.answer, s.genAcc, s.spanMatch, s.judged, s.judgeReply, s.em]), [
      ['1282', 1, true, false, undefined, 1],
      ['nineteen hundred', 1, false, true, 'Yes.', 0],
      ['1851', 0, false, true, 'No.', 0],
    ]);
    assert.deepEqual(scored.map((s) => [s.reply, s.promptTokens, s.completionTokens]), [['1282', 10, 2], ['nineteen hundred', 10, 2], ['1851', 10, 2]]);
  });

  it('gives what generateAnswers + scoreGenAcc + exactMatch/f1Score give, and with no judge the span match alone', async () => {
    const scored = await scoreContexts(items, { generator: reader() });
    const answers = await generateAnswers(reader(), items.map((i) => (i.zeroShot ? { question: i.question } : { question: i.question, context: i.context })));
    const accuracy = await scoreGenAcc(undefined, answers.map((a, i) => ({ answer: a.answer, goldenAnswers: items[i]!.goldenAnswers })));
    assert.deepEqual(scored, answers.map((a, i) => ({
      answer: a.answer, reply: a.reply, promptTokens: a.promptTokens, completionTokens: a.completionTokens, ...accuracy[i]!,
      em: exactMatch(a.answer, items[i]!.goldenAnswers) ? 1 : 0, f1: f1Score(a.answer, items[i]!.goldenAnswers),
    })));
    assert.deepEqual(scored.map((s) => s.judged), [false, false, false]);
    assert.deepEqual(await scoreContexts([], { generator: reader() }), []);
  });
});

describe('toRewardTrajectory', () => {
  it("takes the question, context and counts of a trajectory, with the golden answers and an optional data source", () => {
    const t = { question: 'Year of A?', context: 'Doc 1 (Title: T)\nIt was 1282.\n\n', counts: { documents: 1, searcherTokens: 12, turns: 2, searches: 1 } } satisfies Pick<Trajectory, 'question' | 'context' | 'counts'>;
    const golden = ['1282'];
    const converted = toRewardTrajectory(t, golden);
    assert.deepEqual(converted, { question: 'Year of A?', goldenAnswers: ['1282'], context: t.context, documents: 1, searcherTokens: 12, turns: 2 });
    assert.notEqual(converted.goldenAnswers, golden, 'the answers are copied, not shared');
    assert.equal(toRewardTrajectory(t, golden, 'nq').dataSource, 'nq');
  });
});
