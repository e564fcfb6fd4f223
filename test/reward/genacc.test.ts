import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeMessages, parseJudgeReply, scoreGenAcc } from '@s3lab/toolkit';
import { fakeChat, userText } from './fake-chat.js';

describe('parseJudgeReply', () => {
  it('counts "yes" anywhere, in any case, as the original; everything else is no', () => {
    for (const reply of ['yes', 'Yes.', 'YES', ' yes\n', 'Yes, the response contains 1282.', 'The answer is yes', "'yes'"]) assert.equal(parseJudgeReply(reply), true, reply);
    for (const reply of ['no', 'No.', 'NO', '', 'The response does not contain it.', 'Nope', '是']) assert.equal(parseJudgeReply(reply), false, reply);
    // A substring test, as in the original: these count as yes too.
    assert.equal(parseJudgeReply('No. (eyes)'), true);
    assert.equal(parseJudgeReply('Not yesterday'), true);
  });
});

describe('judgeMessages', () => {
  it('is one user message naming the response and every golden answer', () => {
    const messages = judgeMessages('It was founded in 1282.', ['1282', 'twelve eighty-two']);
    assert.deepEqual(messages.map((m) => m.role), ['user']);
    assert.match(messages[0]?.content ?? '', /It was founded in 1282\./u);
    assert.match(messages[0]?.content ?? '', /\["1282","twelve eighty-two"\]/u);
    assert.match(messages[0]?.content ?? '', /'yes' or 'no'/u);
  });
});

describe('scoreGenAcc', () => {
  it('span-matched answers score 1 without the judge; the rest go to the judge in one batched call', async () => {
    const judge = fakeChat('judge', (r) => (userText(r).includes('twelve eighty-two') ? 'Yes.' : 'No.'));
    const results = await scoreGenAcc(judge, [
      { answer: 'It was 1282.', goldenAnswers: ['1282'] },
      { answer: 'twelve eighty-two', goldenAnswers: ['1282'] },
      { answer: 'London', goldenAnswers: ['Paris'] },
      { answer: 'Hetand Sotruthon', goldenAnswers: ['H. Sotruthon', 'Hetand Sotruthon'] },
    ]);
    assert.deepEqual(results.map((r) => [r.genAcc, r.spanMatch, r.judged]), [[1, true, false], [1, false, true], [0, false, true], [1, true, false]]);
    assert.equal(results[1]?.judgeReply, 'Yes.');
    assert.equal(judge.calls.length, 1);
    assert.equal(judge.calls[0]?.length, 2, 'only the two span-match failures are judged');
    for (const request of judge.calls[0] ?? []) {
      assert.equal(request.temperature, 0);
      assert.equal(request.maxTokens, 10);
    }
  });

  it('calls no judge when every answer span-matches, and scores by span match alone without a judge', async () => {
    const judge = fakeChat('judge', () => 'yes');
    await scoreGenAcc(judge, [{ answer: 'Paris', goldenAnswers: ['paris'] }]);
    assert.equal(judge.calls.length, 0);
    const alone = await scoreGenAcc(undefined, [{ answer: 'London', goldenAnswers: ['Paris'] }]);
    assert.deepEqual(alone, [{ genAcc: 0, spanMatch: false, judged: false }]);
  });
});
