/**
 * DeepRetrieval-style query rewriting (Jiang et al. 2025, github.com/pat-jj/DeepRetrieval): a
 * model rewrites the question into a Boolean BM25 query, written as `<answer>{"query": "…"}</answer>`
 * after optional `<think>`; the top-k for that query is the context. Simplified: an untrained
 * model with our prompt (the original is RL-trained on recall); a reply without a readable query
 * falls back to the question, with an issue.
 */
import { toRetrievedDoc } from '../doc-lines.js';
import { PAPER_SCALE } from '../../config/index.js';
import { generateContinuations } from '../model-call.js';
import { requireChatSearcher, requireRetriever, type Method } from '../method.js';
import { docsTrajectory, generatorDocs, turnRecord } from './common.js';

export function deepRetrievalPrompt(question: string): string {
  return `Rewrite the question below into a query for a BM25 search engine so that the passages needed to answer it are retrieved. Use Boolean operators (AND, OR) and parentheses to group terms. Think inside <think> </think> if needed, then give the query as JSON inside <answer> </answer>, for example <answer>{"query": "(Paris OR France) AND capital"}</answer>.\n\nQuestion: ${question}\n`;
}

/** The rewritten query of a reply, or null. */
export function readRewrite(text: string): string | null {
  const body = /<answer>(.*?)<\/answer>/s.exec(text)?.[1]?.trim();
  if (body === undefined) return null;
  try {
    const json: unknown = JSON.parse(body);
    if (json && typeof json === 'object' && 'query' in json && typeof json.query === 'string' && json.query.trim()) return json.query;
  } catch {
    // Not JSON: the body itself is the query.
  }
  return body === '' ? null : body;
}

export const deepRetrieval: Method = {
  name: 'deep-retrieval',
  description: 'DeepRetrieval-style: the model rewrites the question into a Boolean BM25 query',
  needs: { retriever: true, searcher: 'chat' },
  async run(questions, env) {
    const model = requireChatSearcher('deep-retrieval', env);
    const retriever = requireRetriever('deep-retrieval', env);
    // The rewritten query's top k replaces naive RAG's: same budget, a better query.
    const k = env.k ?? PAPER_SCALE.naiveRagK;
    const outs = await generateContinuations(model, questions.map((q) => ({ prompt: deepRetrievalPrompt(q), continuation: '' })), { ...env.sampling, template: undefined }, 0, 256);
    const queries = questions.map((q, i) => readRewrite(outs[i]?.text ?? '') ?? q);
    const hits = await retriever.search(queries, k);
    return questions.map((question, i) => {
      const out = outs[i] ?? { text: '', finishReason: 'none' as const, tokens: 0, issues: [] };
      const issues = [...out.issues];
      if (readRewrite(out.text) === null) issues.push({ turn: 0, code: 'no-rewrite', message: 'no <answer> query; the question is searched' });
      const retrieved = (hits[i] ?? []).map(toRetrievedDoc);
      return docsTrajectory({ method: 'deep-retrieval', question, prompt: deepRetrievalPrompt(question), turns: [turnRecord({ output: out.text, response: out.text, action: 'search', query: queries[i] ?? question, retrieved, finishReason: out.finishReason, tokens: out.tokens, issues })], docs: generatorDocs(retrieved), meta: { k, model: model.name } });
    });
  },
};
