// A chat model in a worker thread answers as the same model in this thread does, under the same
// name (so response caches are shared), and fails clearly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError, loadLocalChatModel, workerChatModel, type ChatRequest } from '@s3lab/toolkit';
import { makeTinyModelDir } from './helpers.js';

const ask = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({ messages: [{ role: 'user', content }], maxTokens: 6, ...extra });

test('workerChatModel gives the answers and the name of loadLocalChatModel, for chat and completion requests', async () => {
  const dir = await makeTinyModelDir();
  const here = await loadLocalChatModel(dir);
  const there = await workerChatModel(dir);
  try {
    assert.equal(there.name, here.name);
    const requests = [ask('a'), ask('bb', { temperature: 1, seed: 3 }), ask('ccc', { maxTokens: 3 })];
    // Two calls in flight at once come back to their own callers.
    const [chats, more] = await Promise.all([there.chat(requests), there.chat([ask('d')])]);
    assert.deepEqual(chats, await here.chat(requests));
    assert.deepEqual(more, await here.chat([ask('d')]));
    assert.deepEqual(await there.complete([{ prompt: 'abc', maxTokens: 4 }]), await here.complete([{ prompt: 'abc', maxTokens: 4 }]));
  } finally {
    here.dispose();
    await there.dispose();
  }
  await assert.rejects(there.chat([ask('e')]), /disposed/u);
});

test('a directory with no model is one clear error naming it', async () => {
  // An input error on this side of the thread too, so the CLI reports it as one line (exit 2).
  await assert.rejects(workerChatModel('/nonexistent/model-dir'), (error: unknown) => error instanceof InputError && /^\/nonexistent\/model-dir does not exist; expected a model directory/u.test(error.message));
});
