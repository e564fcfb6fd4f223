"""The PyTorch CUDA side of bench/gpu/gpu.bench.ts: the same weights, inputs and protocol.

Usage: python3 bench/gpu/gpu-peer-cuda.py SECTION SPEC.json   (SECTION: matmul, search, encoder, lm)
Each section times fp32 eager with TF32 off (the arithmetic WebGPU does) and bf16 for reference,
checks s3lab's results where the spec carries them, and prints one JSON object to stdout.
Rates are the best of repeats after a warm-up, each ending with its result on the host.
"""
import json
import sys
import time

import numpy as np
import torch

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
DTYPES = (torch.float32, torch.bfloat16)


def name(dtype):
    return str(dtype).removeprefix("torch.")


def best(repeats, run):
    run()
    times = []
    for _ in range(repeats):
        torch.cuda.synchronize()
        started = time.perf_counter()
        run()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - started)
    return min(times)


def matmul(spec):
    out = {}
    for n in spec["sizes"]:
        out[str(n)] = {}
        for dtype in DTYPES:
            a = torch.rand(n, n, device="cuda", dtype=dtype) * 2 - 1
            b = torch.rand(n, n, device="cuda", dtype=dtype) * 2 - 1

            def run():
                for _ in range(spec["repeats"]):
                    c = a @ b
                c[0, 0].item()

            out[str(n)][name(dtype)] = 2 * n**3 * spec["repeats"] / best(3, run) / 1e12
    return {"tflops": out}


def search(spec):
    rows, d, k = spec["rows"], spec["dimension"], spec["k"]
    matrix = np.memmap(spec["file"], dtype="<f4", mode="r", offset=spec["dataOffset"], shape=(rows, d))
    base32 = torch.from_numpy(np.ascontiguousarray(matrix)).cuda()
    queries = torch.tensor(spec["queries"], dtype=torch.float32).view(-1, d).cuda()
    qps, found = {}, {}
    for dtype in DTYPES:
        base = base32.to(dtype)
        q = queries.to(dtype)

        def run():
            # Blocks of 256 queries keep the score matrix at 1 GiB, as the WebGPU side's blocks do.
            parts = [torch.topk(q[i:i + 256] @ base.T, k, dim=1).indices for i in range(0, q.shape[0], 256)]
            return torch.cat(parts).cpu()

        qps[name(dtype)] = q.shape[0] / best(3, run)
        found[name(dtype)] = run().tolist()
        del base
    return {"qps": qps, "rows": found}


def encoder(spec):
    from transformers import BertModel

    rows, width = spec["rows"], spec["width"]
    ids = torch.tensor(spec["ids"]).view(rows, width).cuda()
    mask = torch.tensor(spec["mask"]).view(rows, width).cuda()
    theirs = np.fromfile(spec["hidden"], dtype="<f4").reshape(rows, width, -1)
    keep = spec_mask = np.array(spec["mask"]).reshape(rows, width).astype(bool)
    rates, diffs = {}, {}
    for dtype in DTYPES:
        model = BertModel.from_pretrained(spec["model"], dtype=dtype, add_pooling_layer=False).cuda().eval()
        with torch.inference_mode():
            run = lambda: model(input_ids=ids, attention_mask=mask).last_hidden_state.float().cpu()  # noqa: E731
            rates[name(dtype)] = rows / best(5, run)
            hidden = run().numpy()
        diffs[name(dtype)] = float(np.abs(hidden[keep] - theirs[spec_mask]).max())
        del model
        torch.cuda.empty_cache()
    return {"passagesPerSecond": rates, "maxAbsDiff": diffs}


def lm(spec):
    from transformers import Qwen2ForCausalLM

    forward_ids = torch.tensor(spec["forward"]["ids"]).cuda()
    theirs = np.fromfile(spec["logits"], dtype="<f4").reshape(forward_ids.shape[0], -1)
    train = spec["train"]
    out = {"forward": {}, "sft": {}, "ppo": {}, "sftLoss": {}}
    for dtype in DTYPES:
        model = Qwen2ForCausalLM.from_pretrained(spec["model"], dtype=dtype).cuda()
        model.eval()
        with torch.inference_mode():
            run = lambda: model(forward_ids, logits_to_keep=1).logits[:, -1].float().cpu()  # noqa: E731
            out["forward"][name(dtype)] = forward_ids.numel() / best(3, run)
            if dtype == torch.float32:
                out["maxAbsLogitDiff"] = float(np.abs(run().numpy() - theirs).max())
        if train:
            model.train()
            ids = torch.tensor([r["prompt"] + r["completion"] for r in train]).cuda()
            half = len(train[0]["prompt"])
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-6)

            def action_log_probs():
                # Logits at the completion positions only, as s3lab's actionForward computes them.
                hidden = model.model(ids).last_hidden_state[:, half - 1:-1]
                logits = model.lm_head(hidden).float()
                return torch.log_softmax(logits, -1).gather(-1, ids[:, half:, None])[..., 0]

            def sft_step():
                optimizer.zero_grad(set_to_none=True)
                loss = -action_log_probs().mean()
                loss.backward()
                optimizer.step()
                return loss.item()

            out["sftLoss"][name(dtype)] = sft_step()
            out["sft"][name(dtype)] = ids.numel() / best(2, sft_step)

            advantages = torch.sin(torch.arange(ids.shape[0] * (ids.shape[1] - half), device="cuda", dtype=torch.float32)).view(ids.shape[0], -1)

            def ppo_step():
                with torch.no_grad():
                    old = action_log_probs()
                    ref = action_log_probs()
                optimizer.zero_grad(set_to_none=True)
                log_probs = action_log_probs()
                ratio = torch.exp(log_probs - old)
                policy = torch.maximum(-advantages * ratio, -advantages * torch.clamp(ratio, 0.8, 1.2)).mean()
                kl = ref - log_probs
                low_var_kl = torch.clamp(torch.exp(kl) - kl - 1, -10, 10).mean()
                (policy + 0.001 * low_var_kl).backward()
                optimizer.step()
                return policy.item()

            out["ppo"][name(dtype)] = ids.numel() / best(2, ppo_step)
            del optimizer
        del model
        torch.cuda.empty_cache()
    return out


if __name__ == "__main__":
    section, spec_path = sys.argv[1:3]
    with open(spec_path) as f:
        spec = json.load(f)
    result = {"matmul": matmul, "search": search, "encoder": encoder, "lm": lm}[section](spec)
    result["torch"] = torch.__version__
    result["gpu"] = torch.cuda.get_device_name()
    print(json.dumps(result))
