// A real tfjs model through the local ChatModel (toolkit/src/llm/local.ts): the tiny-chat fixture,
// a random-init Qwen2 over the lab tokenizer with a 512-position context. It writes gibberish,
// which is the point: malformed output and over-long prompts must never crash a batch.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import {
  runSearcher, replayTrajectory, SEARCHER_START_MARKER, getMethod, trajectorySchema,
} from '@s3lab/toolkit';
import { loadLocalChatModel } from '../../toolkit/src/llm/local.js';
import { labIndex, labQuestions } from './lab.js';

const TINY = fileURLToPath(new URL('../fixtures/lm/tiny-chat', import.meta.url));

describe('agent with the tiny-chat tfjs model', async () => {
  const model = await loadLocalChatModel(TINY);
  after(() => model.dispose());
  const template = (p: string): string => model.tokenizer.applyChatTemplate([{ role: 'user', content: p }], { addGenerationPrompt: true });
  const questions = labQuestions('dev').slice(0, 4).map((q) => q.question);

  it('full s3 prompt: longer than the model context, every request fails alone and is recorded', async () => {
    const { index } = labIndex();
    const trajectories = await runSearcher({ questions, model, retriever: index, template, maxTokens: 8, preset: '3-3-3' });
    assert.equal(trajectories.length, questions.length);
    for (const t of trajectories) {
      assert.ok(t.issues.some((i) => i.code === 'model-error'));
      assert.deepEqual(replayTrajectory(t).mismatches, []);
    }
  });

  it('short prompt: gibberish is parsed, fed back and replayed, for a whole batch, deterministically', async () => {
    const { index } = labIndex();
    // A prompt that fits the fixture's 512 positions (the start marker kept, no initial documents).
    const buildPrompt = (o: { question: string }): string => `Search.\n${SEARCHER_START_MARKER}\n<question>\n${o.question}\n</question>\n`;
    const run = () => runSearcher({ questions, model, retriever: index, template, buildPrompt, initialDocs: 0, maxTokens: 24, preset: '3-3-3', temperature: 1, seed: 7 });
    const trajectories = await run();
    for (const t of trajectories) {
      trajectorySchema.parse(t);
      assert.ok(t.turns.length >= 1 && t.turns.length <= 4);
      assert.ok(t.counts.searcherTokens > 0);
      assert.deepEqual(replayTrajectory(JSON.parse(JSON.stringify(t))).mismatches, []);
    }
    assert.ok(trajectories.some((t) => t.issues.some((i) => i.code === 'no-action')), 'gibberish is an invalid action');
    assert.deepEqual(await run(), trajectories);
  });

  it('the model baselines run on it without crashing', async () => {
    const { index } = labIndex();
    for (const method of ['no-retrieval', 'naive-rag', 'search-r1', 'ircot', 'search-o1', 'deep-retrieval'].map(getMethod)) {
      const trajectories = await method.run(questions.slice(0, 2), { retriever: index, searcher: model, sampling: { maxTokens: 12 }, k: 1 });
      assert.equal(trajectories.length, 2, method.name);
      for (const t of trajectories) {
        trajectorySchema.parse(t);
        assert.equal(t.method, method.name);
        assert.equal(t.counts.documents, t.selectedDocs.length);
        assert.deepEqual(replayTrajectory(t).mismatches, []);
      }
    }
  });
});
