"""Trains a small e5-style dense encoder for the lab world (datasets/models/lab-e5-small).

A BERT-architecture encoder, randomly initialised, with a WordPiece vocabulary trained on the lab
corpus, trained contrastively the way e5 is fine-tuned: "query: " / "passage: " prefixes, mean
pooling, cosine similarity over a temperature, in-batch negatives plus one hard negative per query.
Training pairs:
  - each lab *train* question -> one of its supporting passages (the others masked out of the
    negatives), hard negative = one of BM25's best non-supporting passages;
  - each decomposition step -> the passage that supports it, hard negative from BM25 likewise
    (mined in TypeScript by scripts/models/lab-training-pairs.ts and carried here);
  - inverse-cloze pairs over the whole corpus, so every entity's name is seen: a fact-bearing
    sentence of a passage with 30% of its words dropped -> that passage, hard negative = another
    passage about the same entity.
Dev questions are only used to pick the best checkpoint; test questions are not read.

    python3 scripts/models/train_lab_encoder.py --pairs .device/encoder/lab-pairs.jsonl --out /tmp/lab-e5-small

Writes config.json, tokenizer.json, tokenizer_config.json, model.onnx, reference.json and training.json.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections import defaultdict
from pathlib import Path

import torch

from bert_onnx import (embed, environment, export_onnx, lab_corpus, lab_questions, log, mean_pool, new_bert,
                       save_tokenizer, train_wordpiece, write_json)

FACT = re.compile(r"\d|\s[A-Z]")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--root", type=Path, default=Path("."))
    p.add_argument("--pairs", type=Path, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--vocab", type=int, default=8192)
    p.add_argument("--hidden", type=int, default=192)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--ffn", type=int, default=768)
    p.add_argument("--max-length", type=int, default=256, help="passage and query max length, as the s3 e5 index")
    p.add_argument("--query-max-length", type=int, default=64, help="query max length while training (questions are short)")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--max-seconds", type=float, default=170, help="cap on training time; 0 = none. The step count is then fitted to it")
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--warmup", type=float, default=0.06)
    p.add_argument("--temperature", type=float, default=0.05)
    p.add_argument("--ict-ratio", type=float, default=0.5, help="inverse-cloze pairs per epoch, relative to supervised pairs")
    p.add_argument("--eval-every", type=int, default=500)
    return p.parse_args()


def fact_sentences(contents: str) -> list[str]:
    text = contents.split("\n", 1)[1] if "\n" in contents else contents
    return [s for s in re.split(r"(?<=\.)\s+", text) if FACT.search(s)]


def drop_words(sentence: str, rng: random.Random, p: float = 0.3) -> str:
    words = sentence.split()
    kept = [w for w in words if rng.random() >= p]
    return " ".join(kept if len(kept) >= 3 else words)


def pad(rows: list[list[int]], pad_id: int, device: str) -> dict:
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = torch.tensor(r)
        mask[i, :len(r)] = 1
    return {"input_ids": ids.to(device), "attention_mask": mask.to(device), "token_type_ids": torch.zeros_like(ids).to(device)}


@torch.no_grad()
def dev_recall(model, tokenizer, passage_rows, pad_id, ids, dev, max_length, device) -> dict:
    model.eval()
    chunks = []
    order = sorted(range(len(passage_rows)), key=lambda i: len(passage_rows[i]))
    for start in range(0, len(order), 512):
        idx = order[start:start + 512]
        enc = pad([passage_rows[i] for i in idx], pad_id, device)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            hidden = model(**enc).last_hidden_state
        chunks.append((idx, mean_pool(hidden.float(), enc["attention_mask"])))
    matrix = torch.empty((len(passage_rows), chunks[0][1].shape[1]), device=device)
    for idx, emb in chunks:
        matrix[torch.tensor(idx, device=device)] = emb
    questions = [q for q in dev if q.get("supporting_facts")]
    q_emb = embed(model, tokenizer, [f"query: {q['question']}" for q in questions], max_length, device).to(device)
    top = (q_emb @ matrix.T).topk(10, dim=1).indices.cpu().tolist()
    rows: dict = defaultdict(lambda: {"n": 0, "r3": 0, "r10": 0})
    for q, hits in zip(questions, top):
        found3 = {ids[i] for i in hits[:3]}
        found10 = {ids[i] for i in hits}
        for t in (q["type"], "all"):
            rows[t]["n"] += 1
            rows[t]["r3"] += all(s in found3 for s in q["supporting_facts"])
            rows[t]["r10"] += all(s in found10 for s in q["supporting_facts"])
    model.train()
    return {t: {"questions": r["n"], "recall@3": r["r3"] / r["n"], "recall@10": r["r10"] / r["n"]} for t, r in sorted(rows.items())}


def main() -> None:
    args = parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(4)
    device = "cuda"
    log("environment", environment(), "args", vars(args))

    corpus = lab_corpus(args.root)
    train_questions = lab_questions(args.root, "train")
    dev = lab_questions(args.root, "dev")
    pairs = [json.loads(line) for line in args.pairs.read_text(encoding="utf-8").splitlines() if line]
    ids = [doc["id"] for doc in corpus]
    index_of = {doc_id: i for i, doc_id in enumerate(ids)}

    texts = [doc["contents"] for doc in corpus] + [q["question"] for q in train_questions] + ["query: passage:"] * 100
    tokenizer = save_tokenizer(train_wordpiece(texts, args.vocab), args.out, args.max_length)
    pad_id = tokenizer.pad_token_id
    passage_rows = tokenizer([f"passage: {doc['contents']}" for doc in corpus], max_length=args.max_length, truncation=True)["input_ids"]
    full = tokenizer([f"passage: {doc['contents']}" for doc in corpus[:2000]])["input_ids"]
    lengths = sorted(len(r) for r in full)
    token_stats = {"passage_tokens_mean": sum(lengths) / len(lengths), "passage_tokens_p95": lengths[int(0.95 * len(lengths))],
                   "passage_tokens_max": lengths[-1], "share_truncated": sum(n > args.max_length for n in lengths) / len(lengths)}
    log("tokenizer", len(tokenizer), token_stats)

    by_title = defaultdict(list)
    for i, doc in enumerate(corpus):
        by_title[doc["contents"].split("\n", 1)[0]].append(i)
    facts = [(i, s) for i, doc in enumerate(corpus) for s in fact_sentences(doc["contents"])]
    supervised = [(f"query: {p['query']}", [index_of[x] for x in p["positives"]], [index_of[x] for x in p["negatives"][:8]]) for p in pairs]
    log("pairs", len(supervised), "fact sentences", len(facts))

    model = new_bert(dict(vocab_size=len(tokenizer), hidden_size=args.hidden, num_hidden_layers=args.layers,
                          num_attention_heads=args.heads, intermediate_size=args.ffn, max_position_embeddings=args.max_length,
                          type_vocab_size=2, pad_token_id=pad_id), args.seed).to(device)
    params = sum(p.numel() for p in model.parameters())
    log("parameters", params)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)

    def epoch_examples():
        """(query, positive index, all positive indices, hard negative index) for one shuffled epoch."""
        out = []
        for query, positives, negatives in supervised:
            negative = rng.choice(negatives) if negatives else rng.randrange(len(corpus))
            out.append((query, rng.choice(positives), set(positives), negative))
        for i, sentence in rng.sample(facts, int(args.ict_ratio * len(supervised))):
            title = corpus[i]["contents"].split("\n", 1)[0]
            siblings = [j for j in by_title[title] if j != i]
            negative = rng.choice(siblings) if siblings else rng.randrange(len(corpus))
            out.append((f"query: {drop_words(sentence, rng)}", i, {i}, negative))
        rng.shuffle(out)
        return out

    # Passages live on the GPU as one padded matrix (the longest is ~130 tokens), so a batch is an
    # index_select; queries are tokenised once per epoch. Python-side work per step stays small.
    passage_len = torch.tensor([len(r) for r in passage_rows], device=device)
    passage_ids = pad(passage_rows, pad_id, device)["input_ids"]

    def batches():
        while True:
            examples = epoch_examples()
            encoded = tokenizer([e[0] for e in examples], max_length=args.query_max_length, truncation=True)["input_ids"]
            for start in range(0, len(examples) - args.batch + 1, args.batch):
                chunk = examples[start:start + args.batch]
                queries = pad(encoded[start:start + args.batch], pad_id, device)
                targets = torch.tensor([e[1] for e in chunk] + [e[3] for e in chunk], device=device)
                positives = torch.full((len(chunk), 4), -1, dtype=torch.long)
                for row, e in enumerate(chunk):
                    positives[row, :len(e[2])] = torch.tensor(sorted(e[2])[:4])
                yield queries, targets, positives.to(device)

    def lr_at(step: int, total: int) -> float:
        warm = max(1, int(args.warmup * total))
        return args.lr * (step / warm if step < warm else max(0.0, (total - step) / max(1, total - warm)))

    total = args.steps
    history, evals, best = [], [], (-1.0, None, 0)
    started = time.time()
    stream = batches()
    model.train()
    step = 0
    while step < total:
        queries, targets, positives = next(stream)
        width = int(passage_len[targets].max())
        ids_p = passage_ids[targets, :width]
        passages = {"input_ids": ids_p, "attention_mask": (torch.arange(width, device=device)[None, :] < passage_len[targets][:, None]).long(),
                    "token_type_ids": torch.zeros_like(ids_p)}
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, total)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            q = mean_pool(model(**queries).last_hidden_state.float(), queries["attention_mask"])
            p = mean_pool(model(**passages).last_hidden_state.float(), passages["attention_mask"])
        logits = (q @ p.T) / args.temperature
        # A candidate that is one of the query's own supporting passages (or its target again) is not a negative.
        rows = torch.arange(len(q), device=device)
        blocked = (targets[None, :, None] == positives[:, None, :]).any(-1)
        blocked[rows, rows] = False
        logits = logits.masked_fill(blocked, float("-inf"))
        loss = torch.nn.functional.cross_entropy(logits, rows)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        if step == 10:
            calibration = time.time()
        if step == 60 and args.max_seconds > 0:
            per_step = (time.time() - calibration) / 50
            fitted = int((args.max_seconds - (time.time() - started)) / per_step) + step
            log(f"{per_step * 1000:.1f} ms/step")
            if fitted < total:
                log(f"fitting {total} steps into {args.max_seconds}s -> {fitted}")
                total = fitted
        if step % 50 == 0:
            history.append({"step": step, "loss": round(loss.item(), 4), "seconds": round(time.time() - started, 1)})
        if step % args.eval_every == 0 or step == total:
            result = dev_recall(model, tokenizer, passage_rows, pad_id, ids, dev, args.max_length, device)
            evals.append({"step": step, "dev": result})
            log("step", step, "loss", round(loss.item(), 4), "dev", {t: (round(r["recall@3"], 3), round(r["recall@10"], 3)) for t, r in result.items()})
            if result["all"]["recall@10"] > best[0]:
                best = (result["all"]["recall@10"], {k: v.detach().clone() for k, v in model.state_dict().items()}, step)
    seconds = time.time() - started
    log(f"trained {step} steps in {seconds:.0f}s; best dev recall@10 {best[0]:.3f} at step {best[2]}")
    model.load_state_dict(best[1])

    model = model.float().cpu().eval()
    model.config.architectures = ["BertModel"]
    model.config.save_pretrained(str(args.out))
    probe_queries = [f"query: {q['question']}" for q in dev[:6]]
    probe_passages = [f"passage: {corpus[i]['contents']}" for i in (0, 1, 5000, 12345, 19719)]
    probes = probe_queries + probe_passages + ["query: ", "passage: " + " ".join(corpus[i]["contents"] for i in range(4))]
    export = export_onnx(model, tokenizer, args.out / "model.onnx", probes, args.max_length)
    vectors = embed(model, tokenizer, probes, args.max_length)
    write_json(args.out / "reference.json", {
        "made_by": "scripts/models/train_lab_encoder.py", "maxLength": args.max_length, "export": export,
        "cases": [{"text": t, "ids": i, "embedding": [round(float(x), 8) for x in v]}
                  for t, i, v in zip(probes, tokenizer(probes, max_length=args.max_length, truncation=True)["input_ids"], vectors)],
    })
    write_json(args.out / "training.json", {
        "made_by": "scripts/models/train_lab_encoder.py", "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "environment": environment(), "parameters": params, "steps": step, "best_step": best[2], "seconds": round(seconds, 1),
        "tokens": token_stats, "supervised_pairs": len(supervised), "fact_sentences": len(facts),
        "loss": history, "dev": evals,
    })
    log("wrote", sorted(p.name for p in args.out.iterdir()))


if __name__ == "__main__":
    main()
