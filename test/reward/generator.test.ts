import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractAnswer, generateAnswers, generatorMessages } from '@s3lab/toolkit';
import { fakeChat, systemText } from './fake-chat.js';

describe('generatorMessages', () => {
  it('with context: a system message presenting the contexts (some may be irrelevant) and demanding a bare answer, then the question', () => {
    const context = 'Doc 1 (Title: Dusstad)\nDusstad was founded in 1282.\n\n';
    const messages = generatorMessages('In what year was Dusstad founded?', context);
    assert.deepEqual(messages.map((m) => m.role), ['system', 'user']);
    const system = messages[0]?.content ?? '';
    assert.ok(system.includes(context), 'the contexts verbatim');
    assert.match(system, /irrelevant/u);
    assert.match(system, /answer alone/u);
    assert.ok(system.indexOf(context) < system.indexOf('answer alone'), 'contexts first, then the instruction (as the original)');
    assert.equal(messages[1]?.content, 'In what year was Dusstad founded?');
  });

  it('zero-shot: only the direct-answer instruction; an empty context is still a context prompt', () => {
    const zeroShot = generatorMessages('Who?');
    assert.equal(zeroShot[0]?.role, 'system');
    assert.doesNotMatch(zeroShot[0]?.content ?? '', /Contexts/u);
    assert.match(zeroShot[0]?.content ?? '', /answer alone/u);
    assert.match(generatorMessages('Who?', '')[0]?.content ?? '', /Contexts:/u);
  });
});

describe('extractAnswer', () => {
  it('strips whitespace and removes the labels and tags a disobedient generator adds', () => {
    assert.equal(extractAnswer('  1282 \n'), '1282');
    assert.equal(extractAnswer('Answer: 1282'), '1282');
    assert.equal(extractAnswer('answer : Hetand Sotruthon.'), 'Hetand Sotruthon.');
    assert.equal(extractAnswer('Final answer: Paris'), 'Paris');
    assert.equal(extractAnswer('**Answer:** Paris'), 'Paris');
    assert.equal(extractAnswer('The answer is: Paris'), 'Paris');
    assert.equal(extractAnswer('<think>Doc 2 says 1282.</think>\n1282'), '1282');
    assert.equal(extractAnswer('reasoning… <answer> Paris </answer>'), 'Paris');
  });

  it('leaves an answer that merely contains the word alone', () => {
    assert.equal(extractAnswer('Answering Machine Records'), 'Answering Machine Records');
    assert.equal(extractAnswer('The Answer (band)'), 'The Answer (band)');
    assert.equal(extractAnswer(''), '');
  });
});

describe('generateAnswers', () => {
  it('sends one batched chat call at temperature 0, top-p 1, and returns extracted answers with the raw reply', async () => {
    const model = fakeChat('gen', (r) => (systemText(r).includes('Contexts') ? 'Answer: 1282' : 'no idea'));
    const answers = await generateAnswers(model, [{ question: 'Q1?', context: 'Doc 1 (Title: A)\nx\n\n' }, { question: 'Q2?' }], { maxTokens: 32 });
    assert.equal(model.calls.length, 1);
    for (const request of model.calls[0] ?? []) {
      assert.equal(request.temperature, 0);
      assert.equal(request.topP, 1);
      assert.equal(request.maxTokens, 32);
    }
    assert.deepEqual(answers.map((a) => [a.answer, a.reply]), [['1282', 'Answer: 1282'], ['no idea', 'no idea']]);
    assert.deepEqual(await generateAnswers(model, []), []);
    assert.equal(model.calls.length, 1, 'an empty batch calls nothing');
  });
});
