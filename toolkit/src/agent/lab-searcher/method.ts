/**
 * A trained lab searcher (a directory `trainLabSearcher` wrote: `searcher/`, `sft/`, or the shipped
 * `datasets/models/lab-searcher`) as an evaluation method: the s3 loop with the lab prompt, greedy,
 * in process, so `runEvaluation` scores it beside naive RAG and the scripted searcher with the same
 * generator. The model loads once and serves every batch; `dispose()` frees it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { LAB_SCALE } from '../../config/index.js';
import { runSearchLoop } from '../searcher/loop.js';
import { readJsonFile } from '../../core/json-file.js';
import type { EvalMethod } from '../../eval/methods.js';
import { loadCausalLM } from '../../models/lm/index.js';
import { loadTokenizer } from '../../models/tokenizer/index.js';
import { labSearcherPrompt } from './lab-searcher.js';
import { LmSearcherPolicy } from './lm-policy.js';

/** `s3lab.json` in a lab searcher's directory: which prompt it reads and the settings it was trained with. */
export const LAB_SEARCHER_INFO_FILE = 's3lab.json';
const labSearcherInfoSchema = z.object({ searcher: z.literal('lab'), preset: z.string().min(1), initialDocs: z.number().int().min(1) });
export type LabSearcherInfo = z.output<typeof labSearcherInfoSchema>;

/** The directory's lab-searcher description, or undefined when it has none (e.g. a chat model). */
export async function readLabSearcherInfo(dir: string): Promise<LabSearcherInfo | undefined> {
  return readJsonFile(join(dir, LAB_SEARCHER_INFO_FILE), labSearcherInfoSchema).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOTDIR') return undefined;
    throw error;
  });
}

/** Writes `s3lab.json` so that `s3lab eval --searcher DIR` and {@link labSearcherMethod} know the directory. */
export async function writeLabSearcherInfo(dir: string, info: Omit<LabSearcherInfo, 'searcher'>): Promise<void> {
  await writeFile(join(dir, LAB_SEARCHER_INFO_FILE), `${JSON.stringify({ searcher: 'lab', ...info }, null, 2)}\n`);
}

export interface LabSearcherMethodOptions {
  /** The searcher's directory (config.json, model.safetensors, tokenizer.json). */
  dir: string;
  /** The method's name in tables (default `s3`). */
  name?: string;
  /** Searcher preset (default 8-3-3, the lab run's). */
  preset?: string;
  /** Initial search results in the prompt (default 3, the lab run's). */
  initialDocs?: number;
  /** Most tokens per searcher turn (default 192, the lab run's). */
  maxTokens?: number;
  retrieverKind?: 'dense' | 'bm25';
}

/**
 * @example
 * ```ts
 * const s3 = await labSearcherMethod({ dir: 'datasets/models/lab-searcher' });
 * const { summary } = await runEvaluation({ methods: ['naive-rag', s3], questions, generator, retriever, out: 'out/eval' });
 * s3.dispose();
 * ```
 */
export async function labSearcherMethod(options: LabSearcherMethodOptions): Promise<EvalMethod & { dispose(): void }> {
  const [lm, tokenizer] = await Promise.all([loadCausalLM(options.dir), loadTokenizer(options.dir)]);
  const name = options.name ?? 's3';
  return {
    name,
    description: `the trained lab searcher in ${options.dir} (greedy, preset ${options.preset ?? LAB_SCALE.searchPreset})`,
    needsRetriever: true,
    async run(questions, context) {
      if (!context.retriever) throw new Error(`${name} needs a retriever`);
      const policy = new LmSearcherPolicy(lm, tokenizer, { temperature: 0, maxTokens: options.maxTokens ?? LAB_SCALE.searcherMaxTokens }, name);
      const trajectories = await runSearchLoop({
        retriever: context.retriever, preset: options.preset ?? LAB_SCALE.searchPreset, initialDocs: options.initialDocs ?? LAB_SCALE.initialDocs,
        retrieverKind: options.retrieverKind ?? 'bm25', buildPrompt: labSearcherPrompt,
        questions: questions.map((q) => q.question), policy, method: name,
      });
      return trajectories.map((t, i) => ({
        question: t.question,
        goldenAnswers: (questions[i] as (typeof questions)[number]).golden_answers,
        context: t.context,
        documents: t.counts.documents,
        searcherTokens: t.counts.searcherTokens,
        turns: t.counts.turns,
      }));
    },
    dispose: () => lm.dispose(),
  };
}
