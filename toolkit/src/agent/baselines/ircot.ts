/**
 * IRCoT (Trivedi et al., ACL 2023): interleave chain-of-thought and retrieval. Retrieve for the
 * question; then repeatedly ask the model for the next reasoning sentence given all paragraphs so
 * far, and use that sentence as the next query; stop when it says "answer is" or after maxSteps.
 * Simplified: zero-shot (the original uses few-shot CoT demonstrations), one sentence per step
 * taken as the text up to the first sentence end, the paragraph pool capped at 15 as in the paper.
 */
import { PAPER_SCALE } from '../../config/index.js';
import type { ChatModel } from '../../llm/types.js';
import { plainTitle, toRetrievedDoc, type RetrievedDoc } from '../doc-lines.js';
import { generateContinuations, type Generated, type GenerationSettings } from '../model-call.js';
import { requireChatSearcher, requireRetriever, type Method } from '../method.js';
import type { Turn } from '../trajectory.js';
import { runTurns, type TurnProtocol } from '../turns.js';
import { docsTrajectory, generatorDocs, turnRecord } from './common.js';

const MAX_STEPS = 4;
const MAX_DOCS = 15;

export function ircotPrompt(question: string, docs: readonly RetrievedDoc[], thoughts: readonly string[]): string {
  const paragraphs = docs.map((d) => `Wikipedia Title: ${plainTitle(d.title)}\n${d.text}`).join('\n\n');
  return `${paragraphs}\n\nAnswer the question by reasoning step by step, one sentence at a time, using the paragraphs above. End with "So the answer is: …".\n\nQ: ${question}\nA: ${thoughts.join(' ')}`;
}

/** The first sentence of a generation (up to . ! ? followed by space or end), trimmed. */
export function firstSentence(text: string): string {
  const match = /^\s*(.*?[.!?])(?=\s|$)/s.exec(text);
  return (match ? (match[1] ?? '') : text).replace(/\s+/g, ' ').trim();
}

interface IrcotRun {
  question: string;
  /** The paragraph pool (at most MAX_DOCS, first seen first). */
  docs: RetrievedDoc[];
  thoughts: string[];
  turns: Turn[];
  done: boolean;
}

const NO_OUTPUT: Generated = { text: '', finishReason: 'none', tokens: 0, issues: [] };

/** IRCoT's step: the next sentence is the next query, unless it is empty or gives the answer (which ends the run). */
function ircotProtocol(model: ChatModel, settings: GenerationSettings): TurnProtocol<IrcotRun, Generated, string> {
  return {
    generate: (active, step) => generateContinuations(model, active.map((r) => ({ prompt: ircotPrompt(r.question, r.docs, r.thoughts), continuation: '' })), { ...settings, template: undefined }, step, 64),
    parse: (_run, output) => firstSentence(output?.text ?? ''),
    query: (sentence) => (sentence !== '' && !/answer is/i.test(sentence) ? sentence : null),
    apply: (run, { output, parsed: sentence, searched, retrieved }, step) => {
      const out = output ?? NO_OUTPUT;
      const issues = [...out.issues];
      if (sentence === '') issues.push({ turn: step, code: 'empty-sentence', message: 'the model wrote no reasoning sentence' });
      const known = new Set(run.docs.map((d) => d.id));
      for (const doc of retrieved) if (!known.has(doc.id) && run.docs.length < MAX_DOCS) run.docs.push(doc);
      run.thoughts.push(sentence);
      run.turns.push(turnRecord({ output: out.text, response: sentence, action: searched ? 'search' : 'answer', query: searched ? sentence : null, retrieved, finishReason: out.finishReason, tokens: out.tokens, issues }));
      if (!searched) run.done = true;
    },
  };
}

export const ircot: Method = {
  name: 'ircot',
  description: 'IRCoT: each chain-of-thought sentence becomes the next query',
  needs: { retriever: true, searcher: 'chat' },
  async run(questions, env) {
    const model = requireChatSearcher('ircot', env);
    const retriever = requireRetriever('ircot', env);
    const k = env.k ?? PAPER_SCALE.naiveRagK;
    const first = await retriever.search([...questions], k);
    const runs: IrcotRun[] = questions.map((question, i) => {
      const retrieved = (first[i] ?? []).map(toRetrievedDoc);
      return { question, docs: [...retrieved], thoughts: [], turns: [turnRecord({ action: 'search', query: question, retrieved })], done: false };
    });
    await runTurns(runs, ircotProtocol(model, env.sampling ?? {}), { turns: MAX_STEPS, retriever, k });
    return runs.map((run) => {
      const last = run.thoughts.at(-1) ?? '';
      const answer = /answer is:?\s*(.*)$/i.exec(last)?.[1]?.replace(/\.$/, '').trim() ?? null;
      return docsTrajectory({ method: 'ircot', question: run.question, prompt: ircotPrompt(run.question, [], []), turns: run.turns, docs: generatorDocs(run.docs), answer, meta: { k, maxSteps: MAX_STEPS, maxDocs: MAX_DOCS, model: model.name } });
    });
  },
};
