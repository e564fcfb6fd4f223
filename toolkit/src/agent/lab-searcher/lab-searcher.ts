/**
 * The lab-scale searcher: a small Qwen2-architecture LM over the lab tokenizer, trained from
 * scratch (SFT on varied scripted transcripts, then RL), and the compact prompt it reads. A model
 * trained from scratch learns the protocol from its demonstrations, not from instructions, so
 * the prompt keeps only what the original's reward code and parser need: the start marker, the
 * question and the initial results.
 */
import { LAB_PATHS } from '../../config/index.js';
import { SEARCHER_START_MARKER } from '../selected-docs.js';
import type { SearcherPromptOptions } from '../searcher/prompt.js';
import { stripLikePython } from '../../text/normalize.js';

/** `config.json` of the lab searcher (0.8M parameters, most of them the tied embedding). */
export const LAB_SEARCHER_CONFIG = Object.freeze({
  architectures: ['Qwen2ForCausalLM'],
  model_type: 'qwen2',
  vocab_size: 4096,
  hidden_size: 128,
  intermediate_size: 384,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 3072,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  tie_word_embeddings: true,
  hidden_act: 'silu',
  eos_token_id: 4095,
  pad_token_id: 4093,
});

/**
 * The lab searcher's prompt: the start marker, the question and the initial results, laid out as
 * the original prompt's tail.
 *
 * @example
 * ```ts
 * labSearcherPrompt({ question: 'Who founded Cuga Records?', initialResults: 'Doc 1 (Title: "Cuga Records") …' });
 * ```
 */
export function labSearcherPrompt(options: SearcherPromptOptions): string {
  return `${SEARCHER_START_MARKER}\n<question>\n${options.question}\n</question>\n<information>\n${stripLikePython(options.initialResults)}\n</information>\n`;
}

/**
 * The methods a lab model is trained for: `s3` (searches, selects, stops; the frozen generator
 * answers), `search-r1` (searches and answers itself, trained on its answer's exact match) and
 * `deep-retrieval` (rewrites the question into one query, trained on the recall of its results).
 * A lab model directory's `s3lab.json` names its method.
 */
export const LAB_METHODS = ['s3', 'search-r1', 'deep-retrieval'] as const;
export type LabMethod = (typeof LAB_METHODS)[number];

/**
 * The shipped lab model of each method (its warm start in `sft/` beside it): the default policy of
 * `s3lab eval` on the lab world, of the baseline comparison, and of `s3lab train --method`'s warm start.
 *
 * @example
 * ```ts
 * SHIPPED_LAB_MODELS['search-r1']; // 'datasets/models/lab-search-r1'
 * ```
 */
export const SHIPPED_LAB_MODELS: Readonly<Record<LabMethod, string>> = Object.freeze({ s3: LAB_PATHS.searcher, 'search-r1': LAB_PATHS.searchR1, 'deep-retrieval': LAB_PATHS.deepRetrieval });

/**
 * The lab Search-R1 policy's prompt: the question alone, as Search-R1 begins (no initial results).
 * A from-scratch model learns `<search>`/`<answer>` from its demonstrations, as the lab searcher does.
 *
 * @example
 * ```ts
 * labSearchR1Prompt('Who founded Cuga Records?'); // '<question>\nWho founded Cuga Records?\n</question>\n'
 * ```
 */
export function labSearchR1Prompt(question: string): string {
  return `<question>\n${question}\n</question>\n`;
}

/**
 * The lab DeepRetrieval rewriter's prompt: the question, after which it writes
 * `<answer>{"query": "…"}</answer>`.
 *
 * @example
 * ```ts
 * labDeepRetrievalPrompt('Who founded Cuga Records?'); // '<rewrite>\nWho founded Cuga Records?\n</rewrite>\n'
 * ```
 */
export function labDeepRetrievalPrompt(question: string): string {
  return `<rewrite>\n${question}\n</rewrite>\n`;
}
