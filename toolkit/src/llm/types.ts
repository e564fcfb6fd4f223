/**
 * The `ChatModel` interface every language-model backend implements: OpenAI-compatible HTTP
 * servers (vLLM, SGLang, llama.cpp, hosted APIs) and s3lab's local tfjs models alike. Batched:
 * callers hand over all their requests at once and the backend decides how to run them.
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
}

/** Sampling settings every backend honours the same way. */
export interface SamplingOptions {
  /** 0 = greedy. Default 0 (s3lab's default, so that runs repeat; OpenAI's default is 1). */
  temperature?: number;
  /** Default 1. */
  topP?: number;
  /** Most tokens to generate. Default 512. */
  maxTokens?: number;
  /** Strings that end generation; the text returned stops before the first one found. */
  stop?: string[];
  /** Sampling seed. Default 0. */
  seed?: number;
}

export interface ChatRequest extends SamplingOptions {
  messages: ChatMessage[];
}

/** A raw-prompt completion (no chat template): the searcher's prompt is built by the caller. */
export interface CompletionRequest extends SamplingOptions {
  prompt: string;
}

export interface ChatResponse {
  text: string;
  /** `stop`: a stop token or stop string ended it; `length`: `maxTokens` did. */
  finishReason: 'stop' | 'length';
  usage: { promptTokens: number; completionTokens: number };
  /** True when the answer came from the response cache. */
  cached: boolean;
}

export interface ChatModel {
  /** The model's name as servers report it (part of every cache key). */
  readonly name: string;
  chat(requests: readonly ChatRequest[]): Promise<ChatResponse[]>;
  complete(requests: readonly CompletionRequest[]): Promise<ChatResponse[]>;
}
