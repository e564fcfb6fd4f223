/**
 * A trained lab searcher directory as a method of its own name, e.g. to score a warm start and
 * its RL successor side by side (`s3 (SFT)`, `s3 (RL)`). The registry's `s3` method runs a lab
 * searcher too when its environment's searcher is one; this wrapper carries its model itself, so
 * it needs only a retriever. The model loads once and serves every batch; `dispose()` frees it.
 */
import type { Method } from '../method.js';
import { requireRetriever } from '../method.js';
import { labMethodOf, loadLabSearcher, runLabSearcher } from './loaded.js';

export { LAB_SEARCHER_INFO_FILE, readLabSearcherInfo, writeLabSearcherInfo, type LabSearcherInfo } from './loaded.js';

export interface LabSearcherMethodOptions {
  /** The searcher's directory (config.json, model.safetensors, tokenizer.json, s3lab.json). */
  dir: string;
  /** The method's name in tables (default: the method it was trained for, `s3`, `search-r1` or `deep-retrieval`). */
  name?: string;
  /** Searcher preset (default: the directory's `s3lab.json`, else 8-3-3, the lab run's). */
  preset?: string;
  /** Initial search results in the prompt (default: the directory's, else 3, the lab run's). */
  initialDocs?: number;
  /** Whether its selection decides the generator's documents (default: the directory's, else true). */
  selection?: boolean;
  /** Most tokens per searcher turn (default 192, the lab run's). */
  maxTokens?: number;
  /** Default: the environment's `retrieverKind`, else `bm25`. */
  retrieverKind?: 'dense' | 'bm25';
}

/**
 * @example
 * ```ts
 * const rl = await labSearcherMethod({ dir: 'datasets/models/lab-searcher', name: 's3 (RL)' });
 * const { summary } = await runEvaluation({ methods: ['naive-rag', rl], questions, generator, retriever, out: 'out/eval' });
 * rl.dispose();
 * ```
 */
export async function labSearcherMethod(options: LabSearcherMethodOptions): Promise<Method & { dispose(): void }> {
  const searcher = await loadLabSearcher(options.dir);
  const name = options.name ?? labMethodOf(searcher);
  return {
    name,
    description: `the trained lab searcher in ${options.dir} (greedy, preset ${options.preset ?? searcher.info?.preset ?? 'of the lab scale'})`,
    needs: { retriever: true, searcher: false },
    run: async (questions, env) => runLabSearcher(searcher, questions, {
      retriever: requireRetriever(name, env), method: name, preset: options.preset, initialDocs: options.initialDocs, selection: options.selection,
      maxTokens: options.maxTokens, retrieverKind: options.retrieverKind ?? env.retrieverKind,
    }),
    dispose: () => searcher.dispose(),
  };
}
