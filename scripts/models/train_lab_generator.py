"""Trains the lab generator on a GPU with PyTorch + transformers.

The lab generator is a small Qwen2-architecture reader over the lab tokenizer: question plus
passages in, the answer out, through the s3 generator prompt and the ChatML template. The examples
are the ones s3lab builds (toolkit/src/pipelines/lab-generator-data.ts; lab worlds of seeds other than the
evaluation world's), tokenised and packed here by

    node --conditions=s3lab-source --import tsx scripts/models/train_lab_generator.mts --pack .device/generator

and the model is trained with transformers' own Qwen2ForCausalLM, then saved in the Hugging Face
layout that s3lab's tfjs transformer loads (its logits match transformers' to 1e-5, see
test/models/lm-parity.test.ts). Why PyTorch and not s3lab's trainSft: the reader needs ~10 epochs
over ~60M tokens of up-to-2048-token contexts; tfjs-WebGPU trained at ~10k tokens/s on an H100 and
its loss blew up to NaN at that length (issue 9's work), WASM runs ~1k tokens/s, PyTorch ~400k.
s3lab's trainSft trains the same architecture on the same examples (train_lab_generator.mts
without --pack), only far slower. The loss is the answer tokens' plus the language-modelling loss
of the whole prompt (see the training loop for why).

Run (torch and transformers; no network; a GPU for minutes rather than hours):
    python3 scripts/models/train_lab_generator.py --examples .device/generator/examples.u16.xz \\
        --meta .device/generator/meta.json --out /tmp/lab-generator --steps 3000
writes OUT/{config.json, model.safetensors, generation_config.json, training.json}; copy the
tokenizer files (datasets/models/lab-tokenizer/tokenizer{,_config}.json) beside them.
"""
import argparse
import json
import lzma
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

from lm_schedule import length_grouped_batches, warmup_cosine_lr


def unpack(path: str):
    """The packed examples (scripts/models/lab-generator-core.ts packExamples): [count, then per example: prompt length, completion length, ids...]."""
    raw = lzma.open(path).read() if path.endswith('.xz') else Path(path).read_bytes()
    words = np.frombuffer(raw, dtype='<u2')
    count = (int(words[0]) << 16) | int(words[1])
    at, out = 2, []
    for _ in range(count):
        p, c = int(words[at]), int(words[at + 1])
        at += 2
        out.append((words[at:at + p].astype(np.int64), words[at + p:at + p + c].astype(np.int64)))
        at += p + c
    return out


def collate(batch, pad_id: int, device):
    """Right-padded ids, attention mask, and labels on the completion tokens only (-100 elsewhere)."""
    width = max(len(p) + len(c) for p, c in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    labels = torch.full((len(batch), width), -100, dtype=torch.long)
    for i, (p, c) in enumerate(batch):
        n = len(p) + len(c)
        ids[i, :n] = torch.from_numpy(np.concatenate([p, c]))
        mask[i, :n] = 1
        labels[i, len(p):n] = torch.from_numpy(c)
    return ids.to(device), mask.to(device), labels.to(device)


@torch.no_grad()
def held_out_exact(model, held_out, eos_id: int, pad_id: int, device) -> float:
    """Share of held-out examples whose greedy answer is the completion token for token (left-padded batches, as s3lab decodes)."""
    model.eval()
    right = 0
    for start in range(0, len(held_out), 50):
        part = held_out[start:start + 50]
        width = max(len(p) for p, _ in part)
        ids = torch.full((len(part), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(part), width), dtype=torch.long)
        for i, (p, _) in enumerate(part):
            ids[i, width - len(p):] = torch.from_numpy(p)
            mask[i, width - len(p):] = 1
        with torch.autocast('cuda', dtype=torch.bfloat16, enabled=device.type == 'cuda'):
            out = model.generate(input_ids=ids.to(device), attention_mask=mask.to(device), max_new_tokens=16, do_sample=False,
                                 eos_token_id=eos_id, pad_token_id=pad_id)
        for i, (_, c) in enumerate(part):
            tokens = out[i, width:].tolist()
            if eos_id in tokens:
                tokens = tokens[:tokens.index(eos_id) + 1]
            right += tokens == c.tolist()
    model.train()
    return right / len(held_out)


def save(model, out) -> None:
    """Saves in float16 (half the bytes of float32, and every weight of a model this size is far inside fp16's range)."""
    tied = model.config.tie_word_embeddings  # the head is the embedding: stored once, as transformers does
    state = {k: v.half() for k, v in model.state_dict().items() if not (tied and k == 'lm_head.weight')}
    model.save_pretrained(out, safe_serialization=True, state_dict=state)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--examples', required=True)
    parser.add_argument('--meta', required=True)
    parser.add_argument('--out', required=True)
    parser.add_argument('--hidden', type=int, default=256)
    parser.add_argument('--layers', type=int, default=6)
    parser.add_argument('--steps', type=int, default=3000)
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--lr', type=float, default=1e-3)
    parser.add_argument('--warmup', type=int, default=200)
    parser.add_argument('--eval-every', type=int, default=500)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--context-loss-weight', type=float, default=1.0, help='weight of the language-modelling loss on the prompt tokens')
    parser.add_argument('--init', help='continue from this saved model instead of a fresh initialisation')
    parser.add_argument('--max-minutes', type=float, default=0, help='stop training after this long (0: no limit)')
    args = parser.parse_args()

    meta = json.loads(Path(args.meta).read_text())
    examples = unpack(args.examples)
    held_out = examples[-meta['heldOut']:]
    examples = examples[:-meta['heldOut']]
    torch.manual_seed(args.seed)
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    config = Qwen2Config(vocab_size=meta['vocabSize'], hidden_size=args.hidden, intermediate_size=args.hidden * 8 // 3,
                         num_hidden_layers=args.layers, num_attention_heads=4, num_key_value_heads=2,
                         # RoPE has no learned positions: room for a context a little past the longest example.
                         max_position_embeddings=2 * meta['maxTokens'], rms_norm_eps=1e-6, rope_theta=10000.0,
                         tie_word_embeddings=True, hidden_act='silu', eos_token_id=meta['eosId'], pad_token_id=meta['padId'],
                         bos_token_id=None, initializer_range=0.02)
    model = (Qwen2ForCausalLM.from_pretrained(args.init, dtype=torch.float32) if args.init else Qwen2ForCausalLM(config)).to(device)
    params = sum(p.numel() for p in model.parameters())
    print(f'model: {params} parameters on {device}; {len(examples)} examples, {len(held_out)} held out', flush=True)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.01}, {'params': no_decay, 'weight_decay': 0.0}],
                                  lr=args.lr, betas=(0.9, 0.95))

    def lr_at(step: int) -> float:
        return warmup_cosine_lr(step, args.lr, args.warmup, args.steps)

    stream = length_grouped_batches(examples, args.batch, random.Random(args.seed), lambda e: len(e[0]) + len(e[1]))
    curve, window, tokens, started = [], [], 0, time.time()
    for step in range(1, args.steps + 1):
        for group in optimizer.param_groups:
            group['lr'] = lr_at(step)
        ids, mask, labels = collate(next(stream), meta['padId'], device)
        with torch.autocast('cuda', dtype=torch.bfloat16, enabled=device.type == 'cuda'):
            logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1].float()
        per_token = torch.nn.functional.cross_entropy(logits.transpose(1, 2), ids[:, 1:], reduction='none')
        answer = labels[:, 1:] != -100
        loss = (per_token * answer).sum() / answer.sum()
        # The answer tokens alone are ~5 of ~1100 per example: too sparse a signal for a model from
        # scratch to learn to find and copy. Language modelling the whole prompt as well (passages
        # repeat their names) teaches the copying the answers need.
        context_loss = (per_token * mask[:, 1:]).sum() / mask[:, 1:].sum()
        (loss + args.context_loss_weight * context_loss).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        window.append(loss.item())
        tokens += int(mask.sum())
        if step % 50 == 0:
            seconds = time.time() - started
            print(f'step {step}: answer loss {sum(window) / len(window):.3f}, context loss {context_loss.item():.3f}, lr {lr_at(step):.2e}, {tokens / seconds:.0f} tok/s, {seconds:.0f} s', flush=True)
            point = {'step': step, 'loss': sum(window) / len(window), 'seconds': seconds}
            if step % args.eval_every == 0 or step == args.steps:
                point['heldOutExact'] = held_out_exact(model, held_out, meta['eosId'], meta['padId'], device)
                print(f'  held-out exact answers {100 * point["heldOutExact"]:.1f}%', flush=True)
                save(model, args.out)  # a run cut short keeps its last evaluation's weights
            curve.append(point)
            window = []
            if args.max_minutes > 0 and seconds > 60 * args.max_minutes:
                print(f'stopping at step {step}: past {args.max_minutes} minutes', flush=True)
                break
    exact = held_out_exact(model, held_out, meta['eosId'], meta['padId'], device)
    out = Path(args.out)
    save(model, out)
    (out / 'training.json').write_text(json.dumps({
        'command': 'python3 scripts/models/train_lab_generator.py ' + ' '.join(sys.argv[1:]),
        'trainer': f'torch {torch.__version__} + transformers Qwen2ForCausalLM, bf16 autocast, AdamW',
        'device': torch.cuda.get_device_name() if device.type == 'cuda' else 'cpu',
        'seeds': meta['seeds'], 'examples': len(examples), 'heldOut': len(held_out), 'heldOutExact': exact,
        'init': args.init, 'parameters': params, 'steps': step, 'batch': args.batch, 'lr': args.lr, 'warmup': args.warmup,
        'tokens': tokens, 'seconds': time.time() - started, 'curve': curve,
    }, indent=1) + '\n')
    print(f'{step} steps, {tokens} tokens in {time.time() - started:.0f} s; held-out exact answers {100 * exact:.1f}%; saved to {out}')


if __name__ == '__main__':
    main()
