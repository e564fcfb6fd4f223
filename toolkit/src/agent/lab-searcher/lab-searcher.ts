/**
 * The lab-scale searcher: a small Qwen2-architecture LM over the lab tokenizer, trained from
 * scratch (SFT on varied scripted transcripts, then RL), and the compact prompt it reads. A model
 * trained from scratch learns the protocol from its demonstrations, not from instructions, so
 * the prompt keeps only what the original's reward code and parser need: the start marker, the
 * question and the initial results.
 */
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
