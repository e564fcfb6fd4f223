// Saves random-init models of each family with s3lab (TransformerLM.save) plus the logits s3lab
// computes for a fixed prompt, for scripts/models/check_saved_lm.py to load with transformers.
//   node --conditions=s3lab-source --import tsx scripts/models/save_lm_samples.mts OUT_DIR
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCausalLM } from '@s3lab/toolkit';

const out = process.argv[2] ?? '.device/saved-lm';
const common = { vocab_size: 300, initializer_range: 0.2 };
const llama = { hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, max_position_embeddings: 64, rms_norm_eps: 1e-6 };
const configs: Record<string, Record<string, unknown>> = {
  'qwen2-untied': { model_type: 'qwen2', architectures: ['Qwen2ForCausalLM'], ...llama, rope_theta: 1e6, tie_word_embeddings: false, ...common },
  'qwen2-tied': { model_type: 'qwen2', architectures: ['Qwen2ForCausalLM'], ...llama, rope_theta: 1e6, tie_word_embeddings: true, ...common },
  llama: { model_type: 'llama', architectures: ['LlamaForCausalLM'], ...llama, rope_theta: 500000, tie_word_embeddings: false, ...common },
  gpt2: { model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], n_embd: 32, n_layer: 2, n_head: 4, n_positions: 64, ...common },
};
const ids = [5, 9, 200, 17, 3, 3, 250, 41];
for (const [name, config] of Object.entries(configs)) {
  const lm = await createCausalLM(config, { seed: 11 });
  const dir = join(out, name);
  await lm.save(dir);
  const logits = (await lm.logits(ids)).map((row) => Array.from(row));
  await writeFile(join(dir, 's3lab-logits.json'), JSON.stringify({ ids, logits }));
  lm.dispose();
  console.log('saved', dir);
}
