/**
 * The causal language model's public shape: what `loadCausalLM` returns, whatever the family
 * (Llama/Qwen2, GPT-2) and whatever the tfjs backend (CPU, WASM, WebGPU).
 */

/** Sampling settings of one generation call. Temperature 0 (the default) is greedy decoding. */
export interface GenerateOptions {
  /** Most tokens to generate per sequence (the stop token, when hit, is included and counts). */
  maxNewTokens: number;
  /** Softmax temperature; 0 picks the most likely token. Default 0. */
  temperature?: number;
  /** Nucleus sampling: keep the smallest set of tokens whose probability reaches `topP`. Default 1. */
  topP?: number;
  /** Keep only the `topK` most likely tokens (0 = all). Default 0. */
  topK?: number;
  /** Token ids that end a sequence (the config's `eos_token_id` when omitted). */
  stop?: readonly number[];
  /** Seed of the sampler; one seed gives the same tokens on every run. Default 0. */
  seed?: number;
  /**
   * One seed per sequence of a batch, instead of `seed` for all: sequences with equal prompts then
   * differ (several rollouts of one question), and each stays reproducible on its own.
   */
  seeds?: readonly number[];
  /**
   * Called after each new token of a sequence with all its new tokens so far; returning (or
   * resolving to) true ends that sequence: how the chat layer honours string stop sequences,
   * on the tokenizer's real decoding.
   */
  stopWhen?: (newTokens: readonly number[], sequence: number) => boolean | Promise<boolean>;
}

/** A loaded decoder-only transformer. */
export interface CausalLM {
  /** The model's `config.json`, as read (the fields s3lab uses are validated). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Model family: `llama` (Llama, Qwen2) or `gpt2`. */
  readonly family: 'llama' | 'gpt2';
  readonly vocabSize: number;
  /** Longest sequence the position scheme supports. */
  readonly maxPositions: number;
  /** One row of vocabulary logits per position of `ids`. */
  logits(ids: readonly number[]): Promise<Float32Array[]>;
  /** New tokens only (prompt excluded); stops at a stop token, `stopWhen` or `maxNewTokens`. */
  generate(ids: readonly number[], options: GenerateOptions): Promise<number[]>;
  /** Batched generation with a KV cache: prompts of different lengths are left-padded together. */
  generateBatch(prompts: readonly (readonly number[])[], options: GenerateOptions): Promise<number[][]>;
  /** Writes `config.json` and `model.safetensors` (fp32) in the Hugging Face layout. */
  save(dir: string): Promise<void>;
  /** Frees the weights. */
  dispose(): void;
}
