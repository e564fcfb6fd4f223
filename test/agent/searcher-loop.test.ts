// The s3 loop's control flow on exact model outputs. The ChatModel here is scripted (it returns
// canned responses in order): the only way to feed the loop the precise malformed outputs a real
// model writes now and then. Everything else is real: the lab world's BM25 index, the parser, the
// environment, extractSelectedDocs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  runSearcher, replayTrajectory, trajectoryTranscript, INVALID_ACTION_FEEDBACK, SEARCHER_START_MARKER,
  type ChatModel, type ChatRequest, type CompletionRequest, type ChatResponse,
} from '@s3lab/toolkit';
import { labIndex } from './lab.js';

/** Answers request i of call c with script[question][c]; records every call. */
function scriptedModel(script: Record<string, string[]>): ChatModel & { calls: (ChatRequest | CompletionRequest)[][] } {
  const calls: (ChatRequest | CompletionRequest)[][] = [];
  const answer = (requests: readonly (ChatRequest | CompletionRequest)[]): ChatResponse[] => {
    calls.push([...requests]);
    return requests.map((r) => {
      const text = 'prompt' in r ? r.prompt : r.messages.map((m) => m.content).join('');
      const question = Object.keys(script).find((q) => text.includes(`<question>\n${q}\n</question>`)) ?? '';
      const turns = (text.split(SEARCHER_START_MARKER)[1] ?? '').split('<information>').length - 2 + (text.split(INVALID_ACTION_FEEDBACK).length - 1);
      const out = script[question]?.[turns] ?? '';
      return { text: out, finishReason: 'stop', usage: { promptTokens: 0, completionTokens: out.length }, cached: false };
    });
  };
  return { name: 'scripted-test-model', calls, chat: async (r) => answer(r), complete: async (r) => answer(r) };
}

const Q1 = 'What is the school where Grucart Kaizoth studied known for?';
const Q2 = 'Who founded Cabou Collection?';
const Q3 = 'In which city is Mibei Industries based?';

describe('runSearcher control flow (scripted model outputs, real BM25)', () => {
  it('runs every question of a turn in one model call and one retrieval; malformed outputs never crash the batch', async () => {
    const { index } = labIndex();
    const model = scriptedModel({
      // well-formed: search, then select and finish
      [Q1]: ['<query>\n{"query": "University of Shefaimwick known for"}\n</query> and then I keep talking', '<important_info>[1, 2]</important_info>\n<search_complete>True</search_complete>'],
      // finishes at once on the initial results
      [Q2]: ['<think>the initial results name the founder</think><important_info>[1]</important_info><search_complete>\nyes\n</search_complete>'],
      // gibberish, then a query body after the feedback re-opened <query>, then gibberish again, then a final query
      [Q3]: ['asdf <important_info>[', '{"query": "Mibei Industries"}\n</query>', '<search_complete>perhaps</search_complete>', '<query>{"query": "never run"}</query>'],
    });
    const progress: string[] = [];
    const [t1, t2, t3] = await runSearcher({ questions: [Q1, Q2, Q3], model, retriever: index, preset: '8-3-3', onProgress: (done, turns) => progress.push(`${done}/${turns}`) });
    assert.ok(t1 && t2 && t3);
    // turn 1: all three; turn 2: Q1 and Q3; turn 3: Q3; final turn: Q3
    assert.deepEqual(model.calls.map((c) => c.length), [3, 2, 1, 1]);
    assert.deepEqual(progress, ['1/4', '2/4', '3/4', '4/4'], 'a report after each turn: 3 search turns and the final one');
    // chat mode: the prompt is one user message, later turns continue as an assistant message
    assert.equal((model.calls[0]?.[0] as ChatRequest).messages.length, 1);
    assert.equal((model.calls[1]?.[0] as ChatRequest).messages.at(-1)?.role, 'assistant');

    assert.deepEqual(t1.turns.map((t) => t.action), ['search', 'complete']);
    assert.equal(t1.turns[0]?.response, '<query>\n{"query": "University of Shefaimwick known for"}\n</query>');
    assert.equal(t1.turns[0]?.retrieved.length, 8);
    assert.deepEqual(t1.turns[1]?.selectedIds, [1, 2]);
    // the generator gets docs 1 and 2 of the search, then all 5 initial documents (no selection took them)
    const expected = [t1.turns[0]!.retrieved[0]!.text, t1.turns[0]!.retrieved[1]!.text];
    assert.deepEqual(t1.selectedDocs.slice(0, 2).map((d) => d.text), expected);
    assert.ok(t1.selectedDocs.length > 2 && t1.selectedDocs.length <= 7);
    assert.equal(t1.counts.searches, 1);

    assert.deepEqual(t2.turns.map((t) => t.action), ['complete']);
    assert.equal(t2.selectedDocs.length, 1, 'the selection applies to the initial block');

    assert.deepEqual(t3.turns.map((t) => t.action), ['invalid', 'search', 'invalid', 'search']);
    assert.equal(t3.turns[0]?.observation, INVALID_ACTION_FEEDBACK);
    assert.equal(t3.turns[1]?.response, '<query>\n{"query": "Mibei Industries"}\n</query>');
    assert.equal(t3.turns[3]?.observation, '', 'the final turn searches nothing');
    assert.ok(t3.issues.some((i) => i.code === 'turn-limit'));
    assert.ok(t3.issues.some((i) => i.code === 'no-action'));
    assert.equal(t3.counts.turns, 4);

    for (const t of [t1, t2, t3]) {
      const replay = replayTrajectory(JSON.parse(JSON.stringify(t)));
      assert.deepEqual(replay.mismatches, []);
      assert.equal(replay.context, t.context);
      assert.equal(replay.transcript, trajectoryTranscript(t));
    }
  });

  it('the ablation switches: no initial documents, and no selection (every retrieved document goes to the generator)', async () => {
    const { index } = labIndex();
    const script = { [Q1]: ['<query>\n{"query": "University of Shefaimwick known for"}\n</query>', '<important_info>[1, 2]</important_info>\n<search_complete>True</search_complete>'] };
    const [selected] = await runSearcher({ questions: [Q1], model: scriptedModel(script), retriever: index, preset: '8-3-3', initialDocs: 0 });
    assert.ok(selected);
    assert.match(selected.prompt, /<information>\s*<\/information>/u, 'the prompt\'s information block is empty');
    assert.equal(selected.selectedDocs.length, 2, 'only the two selected: there are no initial documents');
    assert.equal(selected.meta.initialDocs, 0);
    const [everything] = await runSearcher({ questions: [Q1], model: scriptedModel(script), retriever: index, preset: '8-3-3', initialDocs: 3, selection: false });
    assert.ok(everything);
    const retrieved = new Set(everything.turns.flatMap((t) => t.retrieved.map((d) => d.text)));
    // The 8 searched and the 3 initial documents (less any repeated), the selection ignored.
    assert.ok(everything.selectedDocs.length >= 8 && everything.selectedDocs.length <= 11, String(everything.selectedDocs.length));
    assert.ok([...retrieved].every((text) => everything.selectedDocs.some((d) => d.text === text)));
    assert.equal(everything.meta.selection, false);
  });

  it('in complete mode renders the template once and appends the transcript (verl rolling state)', async () => {
    const { index } = labIndex();
    const model = scriptedModel({ [Q2]: ['<query>{"query": "Cabou Collection founder"}</query>', '<important_info>[1]</important_info><search_complete>True</search_complete>'] });
    const template = (p: string): string => `<|im_start|>user\n${p}<|im_end|>\n<|im_start|>assistant\n`;
    const [t] = await runSearcher({ questions: [Q2], model, retriever: index, template, preset: '3-3-3' });
    const second = model.calls[1]?.[0] as CompletionRequest;
    assert.equal(second.prompt, template(t!.prompt) + t!.turns[0]!.response + t!.turns[0]!.observation);
    assert.equal(t!.turns[0]!.retrieved.length, 3);
    assert.equal(t!.maxSelectableId, 3);
  });
});
