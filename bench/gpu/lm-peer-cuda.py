"""The PyTorch CUDA side of bench/gpu/lm-webgpu.bench.ts: the same checkpoint, ids and protocol.

Usage: python3 bench/gpu/lm-peer-cuda.py MODEL_DIR SPEC.json
MODEL_DIR is what s3lab's `lm.save(dir)` wrote; SPEC.json (written by the bench) holds
parity.ids and parity.logits (s3lab's last-position logits, float32), the prefill and decode
prompts, and the repeats. Runs transformers' Qwen2ForCausalLM eager in fp32 (TF32 off, so it
is the same arithmetic as WebGPU's fp32) and in bf16 for reference. Progress goes to stderr;
one JSON object to stdout.
"""
import json
import sys
import time

import numpy as np
import torch
from transformers import Qwen2ForCausalLM

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False

model_dir, spec_path = sys.argv[1:3]
with open(spec_path) as f:
    spec = json.load(f)
theirs = np.fromfile(spec["parity"]["logits"], dtype="<f4")


def seconds_of(run):
    torch.cuda.synchronize()
    started = time.perf_counter()
    result = run()
    torch.cuda.synchronize()
    return time.perf_counter() - started, result


def greedy(model, ids, new_tokens):
    """Prefill then new_tokens − 1 cached steps; each token goes to the host, as s3lab's loop reads it."""
    out = model(ids, use_cache=True, logits_to_keep=1)
    next_ids = out.logits[:, -1].argmax(-1)
    tokens = [next_ids.tolist()]
    cache = out.past_key_values
    for _ in range(new_tokens - 1):
        out = model(next_ids[:, None], past_key_values=cache, use_cache=True, logits_to_keep=1)
        cache = out.past_key_values
        next_ids = out.logits[:, -1].argmax(-1)
        tokens.append(next_ids.tolist())
    return [list(row) for row in zip(*tokens)]


sides = []
for dtype in (torch.float32, torch.bfloat16):
    # Default attention (SDPA): what a transformers user gets; eager = no torch.compile, no CUDA graphs.
    model = Qwen2ForCausalLM.from_pretrained(model_dir, dtype=dtype).cuda().eval()
    name = str(dtype).removeprefix("torch.")
    side = {"dtype": name, "prefill": {}, "decode": {}}
    with torch.inference_mode():
        logits = model(torch.tensor([spec["parity"]["ids"]], device="cuda")).logits[0, -1].float().cpu().numpy()
        side["maxAbsLogitDiff"] = float(np.abs(logits - theirs).max())
        print(f"torch {name}: max |Δ logit| vs webgpu {side['maxAbsLogitDiff']:.3e}", file=sys.stderr)
        for step in spec["prefill"]:
            ids = torch.tensor(step["prompts"], device="cuda")
            run = lambda: greedy(model, ids, 1)  # noqa: E731
            run()  # warm-up
            side["prefill"][step["key"]] = [seconds_of(run)[0] for _ in range(spec["repeats"])]
        for step in spec["decode"]:
            ids = torch.tensor(step["prompts"], device="cuda")
            greedy(model, ids, step["newTokens"])  # warm-up
            first = [seconds_of(lambda: greedy(model, ids, 1))[0] for _ in range(spec["repeats"])]
            runs = [seconds_of(lambda: greedy(model, ids, step["newTokens"])) for _ in range(spec["repeats"])]
            # Decode time = t(generate new) − t(generate 1), per repeat, as the bench measures WebGPU.
            side["decode"][step["key"]] = {"seconds": [s - min(first) for s, _ in runs], "tokens": runs[0][1]}
    sides.append(side)
    del model
    torch.cuda.empty_cache()

print(json.dumps({"torch": torch.__version__, "gpu": torch.cuda.get_device_name(), "sides": sides}))
