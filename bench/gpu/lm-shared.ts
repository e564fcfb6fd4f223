/**
 * What bench/lm.bench.ts (CPU) and bench/gpu/lm-webgpu.bench.ts (WebGPU on the device machine)
 * share, so that both measure the same model on the same token ids.
 */

/**
 * A ~100M-parameter Qwen2 (98,335,488 parameters: tied 32768 × 768 embedding, 12 layers,
 * 12 query heads and 2 key/value heads of 64, SwiGLU 2048), random-initialised from {@link SEED}.
 * Big enough that matrix products dominate, as in the 0.5B–7B generators s3 uses.
 */
export const QWEN2_100M: Record<string, unknown> = {
  architectures: ['Qwen2ForCausalLM'],
  model_type: 'qwen2',
  vocab_size: 32768,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  num_key_value_heads: 2,
  intermediate_size: 2048,
  max_position_embeddings: 2048,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000,
  // Both spellings: transformers 5 reads rope_parameters, older readers rope_theta.
  rope_parameters: { rope_theta: 1000000, rope_type: 'default' },
  hidden_act: 'silu',
  tie_word_embeddings: true,
  eos_token_id: null,
  bos_token_id: null,
  use_cache: true,
  use_sliding_window: false,
  sliding_window: null,
  attention_dropout: 0,
};

/** Qwen2.5-0.5B's architecture (494M parameters, tied 151,936-token head), random-init. */
export const QWEN25_05B: Record<string, unknown> = {
  architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', vocab_size: 151936, hidden_size: 896, num_hidden_layers: 24,
  num_attention_heads: 14, num_key_value_heads: 2, intermediate_size: 4864, max_position_embeddings: 32768, rms_norm_eps: 1e-6,
  rope_theta: 1000000, rope_parameters: { rope_theta: 1000000, rope_type: 'default' }, hidden_act: 'silu', tie_word_embeddings: true,
  eos_token_id: null, bos_token_id: null, use_cache: true, use_sliding_window: false, sliding_window: null, attention_dropout: 0,
};

export const SEED = 1;

/** `count` seeded token ids in [0, vocab) (mulberry32): prompt `row` is the same on every run and machine. */
export function promptIds(count: number, vocab: number, row = 0): number[] {
  let state = (0x9e3779b9 * (row + 1)) >>> 0;
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    ids.push(Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * vocab));
  }
  return ids;
}
