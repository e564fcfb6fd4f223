/**
 * One interface for every way of building the generator's context, so the evaluation harness can
 * run `--methods naive-rag,s3,scripted,…` over the same questions and score them with one generator.
 */
import type { ChatModel } from '../llm/types.js';
import type { Retriever } from '../retrieval/types.js';
import type { Trajectory } from './trajectory.js';

/** What a method may use; each method documents which fields it needs. */
export interface ContextMethodOptions {
  retriever: Retriever;
  /** The searcher/reasoner model, for methods that have one. */
  model?: ChatModel;
  /** Renders a user prompt as raw model text (chat template), for multi-turn methods; see `ModelPolicyOptions.template`. */
  template?: (userPrompt: string) => string;
  /** Searcher preset (s3, scripted). */
  preset?: string;
  /** Documents per retrieval (baselines). */
  k?: number;
  retrieverKind?: 'dense' | 'bm25';
  temperature?: number;
  maxTokens?: number;
  seed?: number;
}

export interface ContextMethod {
  readonly name: string;
  /** One-line description for tables and `--help`. */
  readonly description: string;
  /** Whether `options.model` is required. */
  readonly needsModel: boolean;
  run(questions: readonly string[], options: ContextMethodOptions): Promise<Trajectory[]>;
}

/** The model a method needs, or a clear error naming the method. */
export function requireModel(method: string, options: ContextMethodOptions): ChatModel {
  if (!options.model) throw new Error(`context method ${method} needs a model (options.model)`);
  return options.model;
}
