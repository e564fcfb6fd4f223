"""The PyTorch side of bench/lm.bench.ts: the same checkpoint, the same token ids, the same protocol.

Usage: python3 bench/lm-peer.py MODEL_DIR SPEC_JSON
MODEL_DIR holds what s3lab's `lm.save(dir)` wrote (config.json + one fp32 model.safetensors).
SPEC_JSON: {"threads": [1, 2], "parity": {"ids": [...], "out": PATH},
            "prefill": {"ids": [...], "repeats": N},
            "decode": [{"prompts": [[...], ...], "newTokens": N, "repeats": N}, ...]}
Writes the last-position logits of parity.ids to PATH (float32) so the caller can compare
them with its own before trusting any timing, and prints one JSON object with the seconds
of every repeat and the greedy tokens of each decode step's first repeat.

transformers is not installed on the CPU machine, so the forward pass is written out here in
plain PyTorch: Llama/Qwen2 (RMSNorm, RoPE, grouped-query attention, SwiGLU; biases wherever
the checkpoint has them) and GPT-2, each with a KV cache, fp32, eager. It follows the same
formulas as toolkit/src/models/lm (and transformers), so the logits agree to rounding.
"""
import json
import math
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def read_safetensors(path):
    """fp32 tensors of a safetensors file (s3lab writes fp32 only), without the safetensors package."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] != "F32":
            raise SystemExit(f"{path}: {name} is {entry['dtype']}; the peer reads the fp32 files s3lab saves")
        begin, end = entry["data_offsets"]
        array = np.frombuffer(data, dtype="<f4", count=(end - begin) // 4, offset=begin)
        tensors[name] = torch.from_numpy(array.copy()).reshape(entry["shape"])
    return tensors


class LlamaLM:
    """Llama/Qwen2 decoder; the cache is a list of (k, v) per layer, [B, KVH, S, D] each."""

    def __init__(self, config, w):
        self.w = w
        self.layers = config["num_hidden_layers"]
        self.heads = config["num_attention_heads"]
        self.kv_heads = config.get("num_key_value_heads") or self.heads
        self.dim = config.get("head_dim") or config["hidden_size"] // self.heads
        self.eps = config["rms_norm_eps"]
        theta = config.get("rope_theta") or (config.get("rope_parameters") or {}).get("rope_theta") or 10000.0
        # transformers' default RoPE: inv_freq = θ^(-2i/d) in fp32, angle = position · inv_freq.
        inv_freq = 1.0 / (theta ** (torch.arange(0, self.dim, 2, dtype=torch.int64).float() / self.dim))
        angles = torch.arange(config["max_position_embeddings"], dtype=torch.float32)[:, None] * inv_freq[None, :]
        emb = torch.cat([angles, angles], dim=-1)
        self.cos, self.sin = emb.cos(), emb.sin()
        self.head = w.get("lm_head.weight", w["model.embed_tokens.weight"])

    def rms(self, x, weight):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * weight

    def rope(self, x, start):
        t = x.shape[2]
        cos, sin = self.cos[start:start + t], self.sin[start:start + t]
        half = self.dim // 2
        rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
        return x * cos + rotated * sin

    def linear(self, x, name):
        return F.linear(x, self.w[f"{name}.weight"], self.w.get(f"{name}.bias"))

    def forward(self, ids, cache):
        """ids [B, T] (no padding); returns logits of the last position [B, V] and the grown cache."""
        batch, t = ids.shape
        start = 0 if cache is None else cache[0][0].shape[2]
        x = self.w["model.embed_tokens.weight"][ids]
        mask = None
        if t > 1:
            mask = torch.full((t, start + t), float("-inf")).triu(start + 1)
        grown = []
        for i in range(self.layers):
            p = f"model.layers.{i}"
            h = self.rms(x, self.w[f"{p}.input_layernorm.weight"])
            q = self.linear(h, f"{p}.self_attn.q_proj").view(batch, t, self.heads, self.dim).transpose(1, 2)
            k = self.linear(h, f"{p}.self_attn.k_proj").view(batch, t, self.kv_heads, self.dim).transpose(1, 2)
            v = self.linear(h, f"{p}.self_attn.v_proj").view(batch, t, self.kv_heads, self.dim).transpose(1, 2)
            q, k = self.rope(q, start), self.rope(k, start)
            if cache is not None:
                k = torch.cat([cache[i][0], k], dim=2)
                v = torch.cat([cache[i][1], v], dim=2)
            grown.append((k, v))
            groups = self.heads // self.kv_heads
            keys = k.repeat_interleave(groups, dim=1) if groups > 1 else k
            values = v.repeat_interleave(groups, dim=1) if groups > 1 else v
            scores = q @ keys.transpose(2, 3) / math.sqrt(self.dim)
            if mask is not None:
                scores = scores + mask
            attended = (scores.softmax(-1) @ values).transpose(1, 2).reshape(batch, t, self.heads * self.dim)
            x = x + self.linear(attended, f"{p}.self_attn.o_proj")
            m = self.rms(x, self.w[f"{p}.post_attention_layernorm.weight"])
            x = x + self.linear(F.silu(self.linear(m, f"{p}.mlp.gate_proj")) * self.linear(m, f"{p}.mlp.up_proj"), f"{p}.mlp.down_proj")
        last = self.rms(x[:, -1], self.w["model.norm.weight"])
        return F.linear(last, self.head), grown


class Gpt2LM:
    """GPT-2 (Conv1D weights [in, out], gelu_new, learned positions)."""

    def __init__(self, config, w):
        self.w = {(k if k.startswith("transformer.") or k == "lm_head.weight" else f"transformer.{k}"): v for k, v in w.items()}
        self.layers = config["n_layer"]
        self.heads = config["n_head"]
        self.dim = config["n_embd"] // self.heads
        self.eps = config.get("layer_norm_epsilon", 1e-5)
        self.head = self.w.get("lm_head.weight", self.w["transformer.wte.weight"])

    def ln(self, x, name):
        return F.layer_norm(x, x.shape[-1:], self.w[f"{name}.weight"], self.w[f"{name}.bias"], self.eps)

    def conv(self, x, name):
        return x @ self.w[f"{name}.weight"] + self.w[f"{name}.bias"]

    def forward(self, ids, cache):
        batch, t = ids.shape
        start = 0 if cache is None else cache[0][0].shape[2]
        x = self.w["transformer.wte.weight"][ids] + self.w["transformer.wpe.weight"][start:start + t]
        mask = torch.full((t, start + t), float("-inf")).triu(start + 1) if t > 1 else None
        grown = []
        for i in range(self.layers):
            p = f"transformer.h.{i}"
            q, k, v = self.conv(self.ln(x, f"{p}.ln_1"), f"{p}.attn.c_attn").split(self.heads * self.dim, dim=-1)
            q, k, v = (y.view(batch, t, self.heads, self.dim).transpose(1, 2) for y in (q, k, v))
            if cache is not None:
                k = torch.cat([cache[i][0], k], dim=2)
                v = torch.cat([cache[i][1], v], dim=2)
            grown.append((k, v))
            scores = q @ k.transpose(2, 3) / math.sqrt(self.dim)
            if mask is not None:
                scores = scores + mask
            attended = (scores.softmax(-1) @ v).transpose(1, 2).reshape(batch, t, self.heads * self.dim)
            x = x + self.conv(attended, f"{p}.attn.c_proj")
            inner = F.gelu(self.conv(self.ln(x, f"{p}.ln_2"), f"{p}.mlp.c_fc"), approximate="tanh")
            x = x + self.conv(inner, f"{p}.mlp.c_proj")
        return F.linear(self.ln(x[:, -1], "transformer.ln_f"), self.head), grown


def main():
    model_dir, spec_json = sys.argv[1:3]
    spec = json.loads(spec_json)
    with open(f"{model_dir}/config.json") as f:
        config = json.load(f)
    weights = read_safetensors(f"{model_dir}/model.safetensors")
    model = (Gpt2LM if config["model_type"] == "gpt2" else LlamaLM)(config, weights)

    with torch.inference_mode():
        logits, _ = model.forward(torch.tensor([spec["parity"]["ids"]]), None)
        logits[0].numpy().astype("<f4").tofile(spec["parity"]["out"])

        runs = []
        for threads in spec["threads"]:
            torch.set_num_threads(threads)
            ids = torch.tensor([spec["prefill"]["ids"]])
            model.forward(ids, None)  # warm-up: first calls allocate
            prefill = []
            for _ in range(spec["prefill"]["repeats"]):
                started = time.perf_counter()
                model.forward(ids, None)
                prefill.append(time.perf_counter() - started)
            decodes = []
            for step in spec["decode"]:
                prompts = torch.tensor(step["prompts"])
                seconds, tokens = [], None
                for r in range(step["repeats"]):
                    logits, cache = model.forward(prompts, None)
                    next_ids = logits.argmax(-1)
                    generated = [next_ids.tolist()]
                    # Timed: the newTokens − 1 cached steps after the prefill's token, as s3lab's
                    # side measures generate(newTokens) − generate(1).
                    started = time.perf_counter()
                    for _ in range(step["newTokens"] - 1):
                        logits, cache = model.forward(next_ids[:, None], cache)
                        next_ids = logits.argmax(-1)
                        generated.append(next_ids.tolist())
                    seconds.append(time.perf_counter() - started)
                    if r == 0:
                        tokens = [list(row) for row in zip(*generated)]
                decodes.append({"batch": len(step["prompts"]), "seconds": seconds, "tokens": tokens})
            runs.append({"threads": threads, "prefillSeconds": prefill, "decode": decodes})
    print(json.dumps({"torch": torch.__version__, "runs": runs}))


main()
