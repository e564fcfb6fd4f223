/**
 * Who writes the searcher's responses: a language model (the s3 searcher) or a script. The loop
 * hands every active question's state to `act` at once, so a model policy makes one batched call
 * per turn.
 */
import type { ChatModel } from '../../llm/types.js';
import { generateContinuations } from '../model-call.js';
import type { RetrievedDoc } from '../doc-lines.js';
import type { Issue, Turn } from '../trajectory.js';
import type { SearcherPreset } from '../presets.js';

export interface SearcherState {
  /** The question's index in the loop's question list: stable across turns, distinct for repeated questions. */
  id: number;
  question: string;
  /** The searcher prompt (ends with the initial information block). */
  prompt: string;
  /** Everything after the prompt so far: responses and observations. */
  continuation: string;
  initialDocs: RetrievedDoc[];
  turns: readonly Turn[];
  preset: SearcherPreset;
  /** True on the extra generation after the search turns are used up (its query is not run). */
  final: boolean;
}

export interface PolicyOutput {
  text: string;
  finishReason: 'stop' | 'length' | 'none';
  tokens: number;
  issues: Issue[];
}

export interface SearcherPolicy {
  readonly name: string;
  act(states: readonly SearcherState[], turn: number): Promise<PolicyOutput[]>;
}

/** What a model policy reads of a run, whatever the method: its id, prompt, transcript so far and turns (their observations). */
export type PolicyState = Pick<SearcherState, 'id' | 'prompt' | 'continuation' | 'turns'>;

/**
 * A policy that writes from the transcript alone (a model, not a script): it serves s3's loop
 * (a `SearcherPolicy`) and the other methods' loops (Search-R1, DeepRetrieval) alike.
 */
export interface TurnPolicy {
  readonly name: string;
  act(states: readonly PolicyState[], turn: number): Promise<PolicyOutput[]>;
}

/** Sampling and prompt rendering of a model searcher (see `generateContinuations`). */
export interface ModelPolicyOptions {
  /**
   * Renders the user prompt as raw model text (chat template with the assistant header). Given,
   * every turn is one `complete` on `template(prompt) + continuation` — verl's rolling state exactly.
   * Absent, turns are `chat` calls: the prompt as one user message, and from the second turn the
   * continuation as a trailing assistant message (exact on backends that continue a final assistant
   * message, such as vLLM with `continue_final_message`; others open a new assistant turn).
   */
  template?: (userPrompt: string) => string;
  /** Default 0 (greedy; the released training rollouts use 0.6). */
  temperature?: number;
  /** Tokens per response. Default 500 (the original's max_response_length). */
  maxTokens?: number;
  /** Seed of turn t is seed + t (one seed per turn keeps a batch in one generation call). Default 0. */
  seed?: number;
}

/**
 * A policy over a `ChatModel`: one batched generation per turn for all active questions. A model
 * failure never takes the batch down (see `generateContinuations`).
 *
 * @example
 * ```ts
 * const policy = modelPolicy(model, { template: (p) => tokenizer.applyChatTemplate([{ role: 'user', content: p }], { addGenerationPrompt: true }) });
 * ```
 */
export function modelPolicy(model: ChatModel, options: ModelPolicyOptions = {}): TurnPolicy {
  return {
    name: model.name,
    act: (states, turn) => generateContinuations(model, states, options, turn),
  };
}
