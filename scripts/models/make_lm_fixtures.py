"""Random-init tiny causal LMs and their reference outputs, made with PyTorch + transformers.

s3lab's tfjs transformer is tested against these (test/models/lm-parity.test.ts): logits within
1e-4 and greedy continuations token for token. Each model is saved with `save_pretrained`
(covering the layouts s3lab must read: one fp32 file, sharded files with an index, bf16, fp16),
then reloaded in fp32 so that the references are those of exactly the weights on disk.

Run (transformers >= 4.45 and torch; no network needed):
    python3 scripts/models/make_lm_fixtures.py OUT_DIR
writes OUT_DIR/<name>/{config.json, *.safetensors, reference.json, reference.safetensors}.
"""
import json
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM, GPT2Config, LlamaConfig, Qwen2Config

VOCAB = 512
COMMON = dict(vocab_size=VOCAB, initializer_range=0.2, eos_token_id=None, bos_token_id=None, pad_token_id=None)

MODELS = {
    # Qwen2 with untied head, saved in shards (model.safetensors.index.json).
    'tiny-qwen2': (Qwen2Config(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                               num_key_value_heads=2, max_position_embeddings=128, rope_theta=1000000.0,
                               rms_norm_eps=1e-6, tie_word_embeddings=False, **COMMON), torch.float32, '40KB'),
    # Qwen2 with tied embeddings (as Qwen2.5-0.5B/1.5B/3B), stored in bf16.
    'tiny-qwen2-tied': (Qwen2Config(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                                    num_key_value_heads=1, max_position_embeddings=128, rope_theta=1000000.0,
                                    rms_norm_eps=1e-6, tie_word_embeddings=True, **COMMON), torch.bfloat16, None),
    # Llama with grouped-query attention and no biases, stored in fp16.
    'tiny-llama': (LlamaConfig(hidden_size=32, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
                               num_key_value_heads=2, max_position_embeddings=128, rope_theta=500000.0,
                               rms_norm_eps=1e-5, tie_word_embeddings=False, **COMMON), torch.float16, None),
    'tiny-gpt2': (GPT2Config(n_embd=32, n_layer=2, n_head=4, n_positions=128, **COMMON), torch.float32, None),
}

PROMPTS = [[(7 * i + 3) % VOCAB for i in range(12)], [(31 * i + 11) % VOCAB for i in range(5)]]
NEW_TOKENS = 16


def greedy(model, prompts):
    """Greedy continuations of a left-padded batch, and the smallest top-1/top-2 logit margin seen."""
    width = max(len(p) for p in prompts)
    ids = torch.tensor([[0] * (width - len(p)) + p for p in prompts])
    mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts])
    out = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=NEW_TOKENS, do_sample=False,
                         eos_token_id=None, pad_token_id=0, output_scores=True, return_dict_in_generate=True)
    margins = [float((s.topk(2).values[:, 0] - s.topk(2).values[:, 1]).min()) for s in out.scores]
    return out.sequences[:, width:].tolist(), min(margins)


def main(out_dir: str) -> None:
    torch.backends.cuda.matmul.allow_tf32 = False
    for index, (name, (config, dtype, shard)) in enumerate(MODELS.items()):
        torch.manual_seed(1000 + index)
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32).eval()
        target = Path(out_dir) / name
        kwargs = {'max_shard_size': shard} if shard else {}
        model.to(dtype).save_pretrained(target, safe_serialization=True, **kwargs)
        (target / 'generation_config.json').unlink(missing_ok=True)
        reloaded = AutoModelForCausalLM.from_pretrained(target, dtype=torch.float32).eval()
        tensors, logits_shapes = {}, []
        with torch.no_grad():
            for i, prompt in enumerate(PROMPTS):
                logits = reloaded(torch.tensor([prompt])).logits[0].float().contiguous()
                tensors[f'logits_{i}'] = logits
                logits_shapes.append(list(logits.shape))
            single = [greedy(reloaded, [p]) for p in PROMPTS]
            batched, batch_margin = greedy(reloaded, PROMPTS)
        save_file(tensors, str(target / 'reference.safetensors'))
        reference = {
            'made_with': {'torch': torch.__version__, 'transformers': __import__('transformers').__version__},
            'prompts': PROMPTS,
            'logits': [f'logits_{i}' for i in range(len(PROMPTS))],
            'greedy': [tokens[0] for tokens, _ in single],
            'greedy_batched': batched,
            'min_greedy_margin': min([m for _, m in single] + [batch_margin]),
            'stored_dtype': str(dtype).replace('torch.', ''),
        }
        (target / 'reference.json').write_text(json.dumps(reference, indent=1) + '\n')
        files = sorted(p.name for p in target.iterdir())
        print(name, 'params', sum(p.numel() for p in reloaded.parameters()), 'files', files,
              'margin', reference['min_greedy_margin'])


if __name__ == '__main__':
    main(sys.argv[1])
