"""Trains the lab searcher's warm start (SFT) on a GPU with PyTorch + transformers.

The lab searcher is a small Qwen2-architecture LM over the lab tokenizer (toolkit/src/agent/lab-searcher/lab-searcher.ts:
LAB_SEARCHER_CONFIG) that writes s3 searcher turns. Its demonstrations are the varied scripted searcher's
transcripts on lab worlds of other seeds and on the evaluation world's train questions, tokenised exactly as s3lab's
LmSearcherPolicy records a model's runs, packed by

    node --conditions=s3lab-source --import tsx scripts/models/train_lab_searcher.mts --pack .device/searcher

The loss is the searcher's own tokens (the completion mask: retrieved <information> text is state, not
action), plus the language-modelling loss of the whole transcript, which teaches a model from scratch the
lab world's names that its queries copy. Why PyTorch and not s3lab's trainSft: the same SFT on two CPU
cores runs ~1k tokens/s, and a searcher that writes valid queries needs tens of millions of tokens
(scripts/models/train_lab_generator.py says the same of the generator). s3lab's trainSft trains the same
examples (SftExample.completionMask), only slower; the RL stage (s3lab train --preset lab) runs in s3lab.

Run (torch and transformers; no network; a GPU for a few minutes):
    python3 scripts/models/train_lab_searcher.py --examples .device/searcher/examples.u16.xz \\
        --meta .device/searcher/meta.json --out /tmp/lab-searcher-sft
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
from tokenizers import Tokenizer
from transformers import Qwen2Config, Qwen2ForCausalLM

from lm_schedule import length_grouped_batches, warmup_cosine_lr


def unpack(path: str):
    """[count; per example: prompt length, completion length, prompt ids, completion ids, completion mask]."""
    raw = lzma.open(path).read() if path.endswith('.xz') else Path(path).read_bytes()
    words = np.frombuffer(raw, dtype='<u2')
    count = (int(words[0]) << 16) | int(words[1])
    at, out = 2, []
    for _ in range(count):
        p, c = int(words[at]), int(words[at + 1])
        at += 2
        ids = words[at:at + p + c].astype(np.int64)
        mask = words[at + p + c:at + p + 2 * c].astype(np.int64)
        out.append((ids, p, mask))
        at += p + 2 * c
    return out


def collate(batch, pad_id: int, device):
    """Right-padded ids, attention mask, and the action mask (1 where the searcher wrote the token)."""
    width = max(len(ids) for ids, _, _ in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    action = torch.zeros((len(batch), width), dtype=torch.long)
    for i, (tokens, p, completion_mask) in enumerate(batch):
        ids[i, :len(tokens)] = torch.from_numpy(tokens)
        mask[i, :len(tokens)] = 1
        action[i, p:len(tokens)] = torch.from_numpy(completion_mask)
    return ids.to(device), mask.to(device), action.to(device)


@torch.no_grad()
def held_out_accuracy(model, held_out, pad_id: int, device) -> float:
    """Share of the held-out searcher tokens the model predicts exactly (teacher-forced argmax)."""
    model.eval()
    right = total = 0
    for start in range(0, len(held_out), 25):
        ids, mask, action = collate(held_out[start:start + 25], pad_id, device)
        with torch.autocast('cuda', dtype=torch.bfloat16, enabled=device.type == 'cuda'):
            logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1]
        hit = (logits.argmax(-1) == ids[:, 1:]) & (action[:, 1:] == 1)
        right += int(hit.sum())
        total += int(action[:, 1:].sum())
    model.train()
    return right / max(1, total)


@torch.no_grad()
def query_exact_match(model, held_out, decode, device, limit: int = 200) -> float:
    """Share of held-out follow-up queries the model writes exactly, greedily, given the transcript up to
    the query's text: the skill the searcher's gain rests on (copying a name out of the documents)."""
    model.eval()
    right = total = 0
    for tokens, p, completion_mask in held_out:
        ids = tokens.tolist()
        start = next((k for k in range(p, len(ids)) if decode(ids[p:k]).endswith('"query": "')), None)
        if start is None:
            continue
        end = next(k for k in range(start + 1, len(ids) + 1) if '"' in decode(ids[start:k]))
        target = decode(ids[start:end]).split('"')[0]
        generated = model.generate(torch.tensor([ids[:start]], device=device), max_new_tokens=end - start + 4, do_sample=False, pad_token_id=0)
        written = decode(generated[0, start:].tolist())
        right += int(written.split('"')[0] == target and '"' in written)
        total += 1
        if total >= limit:
            break
    model.train()
    # Only s3's transcripts have follow-up queries in this form (Search-R1's and DeepRetrieval's have none).
    return right / total if total else None


def save(model, out) -> None:
    """Saves in float32 (the RL stage continues training these weights)."""
    tied = model.config.tie_word_embeddings
    state = {k: v.float() for k, v in model.state_dict().items() if not (tied and k == 'lm_head.weight')}
    model.save_pretrained(out, safe_serialization=True, state_dict=state)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--examples', required=True)
    parser.add_argument('--meta', required=True)
    parser.add_argument('--config', default='toolkit/src/agent/lab-searcher/lab-searcher.json', help='the architecture (LAB_SEARCHER_CONFIG)')
    parser.add_argument('--tokenizer', default='datasets/models/lab-tokenizer/tokenizer.json')
    parser.add_argument('--init', help='start from these weights (a Hugging Face model directory, e.g. the lab generator, a reader that already copies names out of passages) instead of a fresh model of --config')
    parser.add_argument('--out', required=True)
    parser.add_argument('--steps', type=int, default=3000)
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--lr', type=float, default=2e-3)
    parser.add_argument('--warmup', type=int, default=100)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--context-loss-weight', type=float, default=0.5, help='weight of the language-modelling loss on all tokens')
    parser.add_argument('--max-minutes', type=float, default=0, help='stop training after this long (0: no limit)')
    args = parser.parse_args()

    meta = json.loads(Path(args.meta).read_text())
    examples = unpack(args.examples)
    held_out = unpack(str(Path(args.examples).with_name('held-out.u16' + ('.xz' if args.examples.endswith('.xz') else ''))))
    tokenizer = Tokenizer.from_file(args.tokenizer)
    decode = lambda ids: tokenizer.decode(ids, skip_special_tokens=False)
    torch.manual_seed(args.seed)
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    architecture = json.loads(Path(args.config).read_text())
    config = Qwen2Config(**{k: v for k, v in architecture.items() if k not in ('architectures', 'model_type')}, bos_token_id=None, initializer_range=0.02)
    model = (Qwen2ForCausalLM.from_pretrained(args.init, dtype=torch.float32) if args.init else Qwen2ForCausalLM(config)).to(device)
    params = sum(p.numel() for p in model.parameters())
    print(f'model: {params} parameters on {device}; {len(examples)} examples, {len(held_out)} held out (world {meta.get("heldOutSeed")})', flush=True)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.01}, {'params': no_decay, 'weight_decay': 0.0}], lr=args.lr, betas=(0.9, 0.95))

    def lr_at(step: int) -> float:
        return warmup_cosine_lr(step, args.lr, args.warmup, args.steps)

    stream = length_grouped_batches(examples, args.batch, random.Random(args.seed), lambda e: len(e[0]))
    curve, window, tokens, started = [], [], 0, time.time()
    for step in range(1, args.steps + 1):
        for group in optimizer.param_groups:
            group['lr'] = lr_at(step)
        ids, mask, action = collate(next(stream), meta['padId'], device)
        with torch.autocast('cuda', dtype=torch.bfloat16, enabled=device.type == 'cuda'):
            logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1].float()
        per_token = torch.nn.functional.cross_entropy(logits.transpose(1, 2), ids[:, 1:], reduction='none')
        acting = action[:, 1:]
        loss = (per_token * acting).sum() / acting.sum()
        context_loss = (per_token * mask[:, 1:]).sum() / mask[:, 1:].sum()
        (loss + args.context_loss_weight * context_loss).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        window.append(loss.item())
        tokens += int(mask.sum())
        if step % 100 == 0 or step == args.steps:
            seconds = time.time() - started
            accuracy = held_out_accuracy(model, held_out, meta['padId'], device)
            print(f'step {step}: action loss {sum(window) / len(window):.3f}, context loss {context_loss.item():.3f}, held-out action accuracy {100 * accuracy:.1f}%, {tokens / seconds:.0f} tok/s, {seconds:.0f} s', flush=True)
            curve.append({'step': step, 'loss': sum(window) / len(window), 'heldOutAccuracy': accuracy, 'seconds': seconds})
            window = []
            if args.max_minutes > 0 and seconds > 60 * args.max_minutes:
                print(f'stopping at step {step}: past {args.max_minutes} minutes', flush=True)
                break
    accuracy = held_out_accuracy(model, held_out, meta['padId'], device)
    queries = query_exact_match(model, held_out, decode, device)
    if queries is not None:
        print(f'held-out follow-up queries written exactly: {100 * queries:.1f}%', flush=True)
    out = Path(args.out)
    save(model, out)
    (out / 'training.json').write_text(json.dumps({
        'command': 'python3 scripts/models/train_lab_searcher.py ' + ' '.join(sys.argv[1:]),
        'trainer': f'torch {torch.__version__} + transformers Qwen2ForCausalLM, bf16 autocast, AdamW',
        'device': torch.cuda.get_device_name() if device.type == 'cuda' else 'cpu',
        'method': meta.get('method', 's3'), 'seeds': meta['seeds'], 'examples': len(examples), 'heldOut': len(held_out), 'heldOutSeed': meta.get('heldOutSeed'), 'heldOutActionAccuracy': accuracy, 'heldOutQueryExactMatch': queries,
        'architecture': {k: getattr(model.config, k) for k in ('hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads')},
        'init': args.init, 'parameters': params, 'steps': step, 'batch': args.batch, 'lr': args.lr, 'warmup': args.warmup,
        'contextLossWeight': args.context_loss_weight, 'tokens': tokens, 'seconds': time.time() - started, 'curve': curve,
    }, indent=1) + '\n')
    print(f'{step} steps, {tokens} tokens in {time.time() - started:.0f} s; held-out action accuracy {100 * accuracy:.1f}%; saved to {out}')


if __name__ == '__main__':
    main()
