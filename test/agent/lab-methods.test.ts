// The trained baselines' loops on real parts (the lab world's BM25, the lab tokenizer, the shipped
// warm starts): Search-R1's search-then-answer loop, DeepRetrieval's one rewrite, their scripted
// demonstrations, a lab model serving only its own method, and a GRPO step through another loop.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  createCausalLM, createSearcherTrainer, getMethod, LAB_PATHS, labPolicyLoop, loadLabSearcher, loadTokenizer, RetrievalRecallReward,
  rlConfig, type PolicyOutput, type TextTokenizer, type TurnPolicy,
} from '@s3lab/toolkit';
import { join } from 'node:path';
import { methodDemonstrations } from '../../toolkit/src/pipelines/method-demonstrations.js';
import { labIndex, labQuestions } from './lab.js';

const script = (write: (turn: number, id: number) => string): TurnPolicy => ({
  name: 'script',
  act: async (states, turn) => states.map((s): PolicyOutput => ({ text: write(turn, s.id), finishReason: 'stop', tokens: 4, issues: [] })),
});

let tokenizer: TextTokenizer;
before(async () => {
  tokenizer = await loadTokenizer(LAB_PATHS.tokenizer);
});

describe('Search-R1\'s loop', () => {
  it('searches until the policy answers; the documents go to the generator, the answer is kept', async () => {
    const loop = labPolicyLoop('search-r1', { retriever: labIndex().index });
    const [t] = await loop.run(['In what year was Dusstad founded?'], script((turn) => (turn < 2 ? `<search> Dusstad ${turn} </search> ignored` : '<answer> 1282 </answer>')));
    assert.deepEqual(t!.turns.map((x) => x.action), ['search', 'search', 'answer']);
    assert.equal(t!.turns[0]!.response, '<search> Dusstad 0 </search>', 'cut after </search>');
    assert.equal(t!.answer, '1282');
    assert.equal(t!.turns[0]!.retrieved.length, 3, 'Search-R1 reads 3 documents a search');
    assert.ok(t!.selectedDocs.length >= 3 && t!.selectedDocs.length <= 6);
    assert.ok(t!.turns[0]!.observation.startsWith('\n\n<information>Doc 1('));
  });

  it('ends without an answer at the turn limit, with an issue, and gives an invalid turn the feedback', async () => {
    const loop = labPolicyLoop('search-r1', { retriever: labIndex().index });
    const [t] = await loop.run(['Who founded Cabou Collection?'], script((turn) => (turn === 0 ? 'no tags' : '<search> Cabou </search>')));
    assert.equal(t!.answer, null);
    assert.equal(t!.turns[0]!.action, 'invalid');
    assert.match(t!.turns[0]!.observation, /previous action was not valid/u);
    assert.ok(t!.issues.some((i) => i.code === 'turn-limit'));
    assert.equal(t!.turns.length, 5, '4 search turns and one more');
  });
});

describe('DeepRetrieval\'s loop', () => {
  it('searches the rewrite, or the question (with an issue) when there is none', async () => {
    const loop = labPolicyLoop('deep-retrieval', { retriever: labIndex().index });
    const [a, b] = await loop.run(['Who founded Cabou Collection?', 'In what year was Dusstad founded?'], script((_t, id) => (id === 0 ? '<answer>{"query": "Cabou Collection founded"}</answer>' : 'nothing')));
    assert.equal(a!.turns[0]!.query, 'Cabou Collection founded');
    assert.equal(b!.turns[0]!.query, 'In what year was Dusstad founded?');
    assert.ok(b!.issues.some((i) => i.code === 'no-rewrite'));
    assert.equal(a!.selectedDocs.length, 3);
  });
});

describe('scripted demonstrations of the two methods', () => {
  it('Search-R1: answers the golden answer, masks the observations, closes no stop-ended turn with the end token', async () => {
    const questions = labQuestions('dev').slice(0, 12).map((q) => ({ question: q.question, goldenAnswers: q.golden_answers }));
    const { examples, trajectories, variants } = await methodDemonstrations({ method: 'search-r1', questions, retriever: labIndex().index, tokenizer, seed: 3 });
    assert.ok(variants.includes('answer') && variants.includes('follow-up'), 'both variants drawn');
    trajectories.forEach((t, i) => {
      assert.equal(t.answer, questions[i]!.goldenAnswers[0]);
      assert.equal(t.turns.length, variants[i] === 'follow-up' ? 3 : 2);
    });
    const eos = tokenizer.eosTokenIds[0]!;
    for (const [i, e] of examples.entries()) {
      const acted = e.completion.filter((_, j) => e.completionMask![j] === 1);
      assert.ok(!acted.includes(eos), 'every turn ends at </search> or </answer>');
      const observed = await tokenizer.decode(e.completion.filter((_, j) => e.completionMask![j] === 0));
      assert.equal(observed, trajectories[i]!.turns.map((t) => t.observation).join(''));
    }
  });

  it('DeepRetrieval: the question or its content words, as JSON', async () => {
    const questions = labQuestions('dev').slice(0, 16).map((q) => ({ question: q.question, goldenAnswers: q.golden_answers }));
    const { trajectories, variants } = await methodDemonstrations({ method: 'deep-retrieval', questions, retriever: labIndex().index, tokenizer, seed: 2 });
    trajectories.forEach((t, i) => {
      const query = t.turns[0]!.query!;
      if (variants[i] === 'question') assert.equal(query, questions[i]!.question);
      else assert.ok(query.length < questions[i]!.question.length && !/\b(the|of|in|was)\b/iu.test(query), query);
    });
  });
});

describe('a shipped lab warm start serves its own method only', () => {
  it('Search-R1\'s writes <search> and <answer> through the registry; s3 refuses it', async () => {
    const searcher = await loadLabSearcher(join(LAB_PATHS.searchR1, 'sft'));
    try {
      const questions = labQuestions('dev').slice(0, 8).map((q) => q.question);
      const trajectories = await getMethod('search-r1').run(questions, { retriever: labIndex().index, searcher, k: 3 });
      assert.ok(trajectories.filter((t) => t.answer !== null).length >= 6, 'the warm start answers');
      assert.ok(trajectories.every((t) => t.turns[0]?.action === 'search'), 'it searches first');
      await assert.rejects(getMethod('s3').run(questions.slice(0, 1), { retriever: labIndex().index, searcher }), /trained for search-r1/u);
    } finally {
      searcher.dispose();
    }
  });
});

describe('RL through another method\'s loop', () => {
  it('a GRPO step on DeepRetrieval\'s loop trains on the recall of the supporting passages', async () => {
    const lm = await createCausalLM({ model_type: 'qwen2', vocab_size: 4096, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, max_position_embeddings: 3072, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: true, eos_token_id: 4095 }, { seed: 1 });
    const config = rlConfig('lab', { steps: 1, batchSize: 2, samplesPerQuestion: 2, miniBatchSize: 4, maxResponseTokens: 12, klLossCoef: 0 });
    const questions = labQuestions('train').slice(0, 2).map((q) => ({ id: q.id, question: q.question, goldenAnswers: q.golden_answers, supportingDocs: q.supporting_facts }));
    const trainer = createSearcherTrainer({ lm, tokenizer, reward: new RetrievalRecallReward({ k: 3 }), search: labPolicyLoop('deep-retrieval', { retriever: labIndex().index }), config, padId: 4093 });
    try {
      const { metrics, rollouts } = await trainer.trainStep(questions);
      assert.equal(rollouts.length, 4);
      assert.ok(rollouts.every((r) => r.trajectory.method === 'deep-retrieval' && r.actionMask.includes(1)));
      assert.ok(rollouts.every((r) => r.reward >= 0 && r.reward <= 1));
      assert.equal(metrics.step, 1);
      // An untrained policy writes no rewrite: the question is searched, so the recall is naive RAG's.
      assert.ok(rollouts.some((r) => r.reward > 0), 'some supporting passage found');
    } finally {
      trainer.dispose();
      lm.dispose();
    }
  });
});
