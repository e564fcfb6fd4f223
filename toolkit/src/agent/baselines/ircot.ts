/**
 * IRCoT (Trivedi et al., ACL 2023): interleave chain-of-thought and retrieval. Retrieve for the
 * question; then repeatedly ask the model for the next reasoning sentence given all paragraphs so
 * far, and use that sentence as the next query; stop when it says "answer is" or after maxSteps.
 * Simplified: zero-shot (the original uses few-shot CoT demonstrations), one sentence per step
 * taken as the text up to the first sentence end, the paragraph pool capped at 15 as in the paper.
 */
import { plainTitle, toRetrievedDoc, type RetrievedDoc } from '../doc-lines.js';
import { generateContinuations } from '../model-call.js';
import { requireModel, type ContextMethod } from '../method.js';
import type { Turn } from '../trajectory.js';
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

export const ircot: ContextMethod = {
  name: 'ircot',
  description: 'IRCoT: each chain-of-thought sentence becomes the next query',
  needsModel: true,
  async run(questions, options) {
    const model = requireModel('ircot', options);
    const k = options.k ?? 3;
    const first = await options.retriever.search([...questions], k);
    const runs = questions.map((question, i) => {
      const retrieved = (first[i] ?? []).map(toRetrievedDoc);
      return { question, docs: [...retrieved], thoughts: [] as string[], turns: [turnRecord({ action: 'search', query: question, retrieved })] as Turn[], done: false };
    });
    for (let step = 0; step < MAX_STEPS; step++) {
      const active = runs.filter((r) => !r.done);
      if (active.length === 0) break;
      const outs = await generateContinuations(model, active.map((r) => ({ prompt: ircotPrompt(r.question, r.docs, r.thoughts), continuation: '' })), { ...options, template: undefined }, step, 64);
      const sentences = active.map((_, j) => firstSentence(outs[j]?.text ?? ''));
      const searching = sentences.flatMap((s, j) => (s !== '' && !/answer is/i.test(s) ? [j] : []));
      const hits = searching.length ? await options.retriever.search(searching.map((j) => sentences[j] ?? ''), k) : [];
      active.forEach((run, j) => {
        const out = outs[j] ?? { text: '', finishReason: 'none' as const, tokens: 0, issues: [] };
        const sentence = sentences[j] ?? '';
        const n = searching.indexOf(j);
        const issues = [...out.issues];
        if (sentence === '') issues.push({ turn: step, code: 'empty-sentence', message: 'the model wrote no reasoning sentence' });
        const known = new Set(run.docs.map((d) => d.id));
        const retrieved = n >= 0 ? (hits[n] ?? []).map(toRetrievedDoc) : [];
        for (const doc of retrieved) if (!known.has(doc.id) && run.docs.length < MAX_DOCS) run.docs.push(doc);
        run.thoughts.push(sentence);
        run.turns.push(turnRecord({ output: out.text, response: sentence, action: n >= 0 ? 'search' : 'answer', query: n >= 0 ? sentence : null, retrieved, finishReason: out.finishReason, tokens: out.tokens, issues }));
        if (n < 0) run.done = true;
      });
    }
    return runs.map((run) => {
      const last = run.thoughts.at(-1) ?? '';
      const answer = /answer is:?\s*(.*)$/i.exec(last)?.[1]?.replace(/\.$/, '').trim() ?? null;
      return docsTrajectory({ method: 'ircot', question: run.question, prompt: ircotPrompt(run.question, [], []), turns: run.turns, docs: generatorDocs(run.docs), answer, meta: { k, maxSteps: MAX_STEPS, maxDocs: MAX_DOCS, model: model.name } });
    });
  },
};
