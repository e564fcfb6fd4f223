/**
 * DeepRetrieval-style query rewriting (Jiang et al. 2025, github.com/pat-jj/DeepRetrieval): a
 * model rewrites the question into a Boolean BM25 query, written as `<answer>{"query": "…"}</answer>`
 * after optional `<think>`; the top-k for that query is the context. The rewriter is a chat model
 * with our prompt (paper scale; the original is RL-trained on recall, an untrained one is not that)
 * or a lab rewriter trained on recall by `s3lab train --method deep-retrieval`. A reply without a
 * readable query falls back to the question, with an issue.
 */
import { toRetrievedDoc } from '../doc-lines.js';
import type { Retriever } from '../../retrieval/types.js';
import type { TurnPolicy } from '../searcher/policy.js';
import type { Trajectory } from '../trajectory.js';
import { docsTrajectory, generatorDocs, turnRecord } from './common.js';

export function deepRetrievalPrompt(question: string): string {
  return `Rewrite the question below into a query for a BM25 search engine so that the passages needed to answer it are retrieved. Use Boolean operators (AND, OR) and parentheses to group terms. Think inside <think> </think> if needed, then give the query as JSON inside <answer> </answer>, for example <answer>{"query": "(Paris OR France) AND capital"}</answer>.\n\nQuestion: ${question}\n`;
}

/** Where a rewrite ends. */
export const DEEP_RETRIEVAL_STOP_AFTER = ['</answer>'] as const;

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

export interface RunDeepRetrievalOptions {
  questions: readonly string[];
  retriever: Retriever;
  /** Writes the rewrites: `modelPolicy(chatModel)`, or an `LmSearcherPolicy` stopping after `</answer>`. */
  policy: TurnPolicy;
  /** Documents of the rewritten query that go to the generator. */
  k: number;
  /** The prompt of a question (default {@link deepRetrievalPrompt}; a lab rewriter reads `labDeepRetrievalPrompt`). */
  buildPrompt?: (question: string) => string;
  /** Method name in the trajectories (default `deep-retrieval`). */
  method?: string;
  meta?: Record<string, unknown>;
}

/**
 * One rewrite per question (one batched `policy.act`), one batched search of the rewrites.
 *
 * @example
 * ```ts
 * const [t] = await runDeepRetrieval({ questions: ['Who founded Cuga Records?'], retriever, policy: modelPolicy(model, { maxTokens: 256 }), k: 3 });
 * console.log(t!.turns[0]!.query);
 * ```
 */
export async function runDeepRetrieval(options: RunDeepRetrievalOptions): Promise<Trajectory[]> {
  const { questions, retriever, policy, k } = options;
  const buildPrompt = options.buildPrompt ?? deepRetrievalPrompt;
  const prompts = questions.map(buildPrompt);
  const outs = await policy.act(prompts.map((prompt, id) => ({ id, prompt, continuation: '', turns: [] })), 0);
  const rewrites = questions.map((_, i) => readRewrite(outs[i]?.text ?? ''));
  const queries = questions.map((q, i) => rewrites[i] ?? q);
  const hits = await retriever.search(queries, k);
  return questions.map((question, i) => {
    const out = outs[i] ?? { text: '', finishReason: 'none' as const, tokens: 0, issues: [] };
    const issues = [...out.issues];
    if (rewrites[i] === null) issues.push({ turn: 0, code: 'no-rewrite', message: 'no <answer> query; the question is searched' });
    const retrieved = (hits[i] ?? []).map(toRetrievedDoc);
    return docsTrajectory({
      method: options.method ?? 'deep-retrieval', question, prompt: prompts[i] as string,
      turns: [turnRecord({ output: out.text, response: out.text, action: 'search', query: queries[i] ?? question, retrieved, finishReason: out.finishReason, tokens: out.tokens, issues })],
      docs: generatorDocs(retrieved), meta: { k, policy: policy.name, ...options.meta },
    });
  });
}
