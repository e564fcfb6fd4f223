import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ChatRequestError, loadLocalChatModel, localChatModel, type CausalLM, type ChatRequest, type LocalChatModel } from '@s3lab/toolkit';
import { makeTinyModelDir } from './helpers.js';

const ask = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({ messages: [{ role: 'user', content }], ...extra });

describe('local chat model', () => {
  let chat: LocalChatModel;
  before(async () => {
    chat = await loadLocalChatModel(await makeTinyModelDir());
  });
  after(() => chat.dispose());

  test('requests are grouped by sampling settings: one generateBatch call per group, answers in request order', async () => {
    const batches: number[] = [];
    const counting: CausalLM = Object.create(chat.model, {
      generateBatch: { value: (prompts: number[][], options: Parameters<CausalLM['generateBatch']>[1]) => {
        batches.push(prompts.length);
        return chat.model.generateBatch(prompts, options);
      } },
    }) as CausalLM;
    const grouped = localChatModel({ model: counting, tokenizer: chat.tokenizer, name: 'counting' });
    const requests = [ask('a', { maxTokens: 4 }), ask('b', { maxTokens: 6 }), ask('c', { maxTokens: 4, stop: ['x'] }), ask('d', { maxTokens: 4, temperature: 1 })];
    const together = await grouped.chat(requests);
    assert.deepEqual(batches, [2, 1, 1]);
    const alone = await Promise.all(requests.map(async (r) => (await chat.chat([r]))[0]));
    assert.deepEqual(together, alone, 'a request gets the same answer whatever batch it is in');
  });

  test('a stop string cuts the text before it, ends generation early, and finishes with "stop"', async () => {
    const request = ask('Name a city.', { temperature: 1, seed: 3, maxTokens: 24 });
    const [full] = await chat.chat([request]);
    assert.equal(full?.finishReason, 'length');
    assert.equal(full?.usage.completionTokens, 24);
    const words = (full?.text ?? '').split(' ');
    const stop = words[Math.floor(words.length / 2)] as string;
    const [stopped] = await chat.chat([{ ...request, stop: ['never-appears', stop] }]);
    assert.equal(stopped?.text, full?.text.slice(0, full.text.indexOf(stop)));
    assert.equal(stopped?.finishReason, 'stop');
    assert.ok((stopped?.usage.completionTokens ?? 99) < 24, `generation went on to ${stopped?.usage.completionTokens} tokens`);
  });

  test('sampling is reproducible from the seed and changes with it', async () => {
    const [a] = await chat.chat([ask('q', { temperature: 1, seed: 1, maxTokens: 12 })]);
    const [b] = await chat.chat([ask('q', { temperature: 1, seed: 1, maxTokens: 12 })]);
    const [c] = await chat.chat([ask('q', { temperature: 1, seed: 2, maxTokens: 12 })]);
    assert.equal(a?.text, b?.text);
    assert.notEqual(a?.text, c?.text);
  });

  test('a prompt too long for the model is a ChatRequestError naming the lengths', async () => {
    await assert.rejects(chat.chat([ask('q', { maxTokens: 250 })]), (error: unknown) => error instanceof ChatRequestError && /tokens; with maxTokens 250 that is over the 256 positions of model tiny-random/u.test(error.message));
    await assert.rejects(chat.chat([ask('q', { topP: 0 })]), /requests\[0\]\.topP/u);
  });
});
