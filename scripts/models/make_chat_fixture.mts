// Makes test/fixtures/lm/tiny-chat: a random-init Qwen2 (tied, 2 layers, hidden 16) over the lab
// tokenizer with its Qwen2.5 ChatML template: a real model for chat round trips (local backend,
// `s3lab serve llm`, the HTTP client, the response cache), small enough to commit.
//   node --conditions=s3lab-source --import tsx scripts/models/make_chat_fixture.mts
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createCausalLM, loadTokenizer } from '@s3lab/toolkit';

const tokenizerDir = 'datasets/models/lab-tokenizer';
const out = 'test/fixtures/lm/tiny-chat';
const tokenizer = await loadTokenizer(tokenizerDir);
const lm = await createCausalLM({
  architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', vocab_size: tokenizer.vocabSize, hidden_size: 16, intermediate_size: 32,
  num_hidden_layers: 2, num_attention_heads: 2, num_key_value_heads: 1, max_position_embeddings: 512, rms_norm_eps: 1e-6,
  rope_theta: 1000000, tie_word_embeddings: true, initializer_range: 0.5, eos_token_id: tokenizer.eosTokenIds[0], pad_token_id: tokenizer.tokenToId('<|endoftext|>'),
}, { seed: 7 });
await mkdir(out, { recursive: true });
await lm.save(out);
for (const file of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(join(tokenizerDir, file), join(out, file));
console.log(`wrote ${out}: ${lm.parameterCount} parameters, vocabulary ${lm.vocabSize}`);
