"""Makes datasets/fixtures/tiny-bert: a random-init, BERT-architecture encoder small enough to
commit, with PyTorch reference token ids and embeddings that s3lab's ONNX encoder must match.

    python3 scripts/models/make_tiny_bert_fixture.py --out /tmp/tiny-bert

Writes config.json, tokenizer.json, tokenizer_config.json, model.onnx, model.safetensors and
reference.json (for each max length: every text's token ids as the transformers tokenizer gives
them, and its embedding as the s3 retriever computes it, in float32 on the CPU).
"""
from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from bert_onnx import (embed, environment, export_onnx, lab_corpus, log, new_bert, save_tokenizer,
                       train_wordpiece, write_json)

SEED = 0
VOCAB_SIZE = 1000
MAX_POSITIONS = 64
MAX_LENGTHS = (32, 64)
# A few characters outside the lab corpus, so that some non-Latin text maps to real tokens.
EXTRA_ALPHABET = ["中", "文", "東", "京", "ß", "ø", "π", "ж", "ă"]


def reference_texts(corpus: list[dict]) -> list[str]:
    passage = corpus[0]["contents"]
    long_text = " ".join([passage] * 3)
    return [
        "query: who founded Cuga Records?",
        f"passage: {passage}",
        "",
        "   ",
        "a",
        "Café Müller, naïve façade — déjà vu.",
        "東京と北京 中文 测试",
        "Москва — столица России.",
        "مرحبا بالعالم",
        "emoji 😀🚀 and ZWJ 👩‍👩‍👧 family",
        "tab\tnew\nline\r\ncarriage, \u0000 nul, \u00ad soft hyphen, \u200b zero width",
        "combining: e\u0301 a\u0308 n\u0303 and precomposed é ä ñ",
        "a" * 120 + " end",
        "1843 3.14 1,000,000 $5 50% #tag @user a/b c-d e_f",
        "UPPER lower MiXeD CaSe",
        "?!...,;:()[]{}<>\"'`~^",
        "ﬁ ligature ＦＵＬＬＷＩＤＴＨ ①② Ελληνικά नमस्ते",
        long_text,
        long_text + " and a different ending that only exists past the truncation point",
        "query: In what year was the employer of Neistakron Roshivain founded?",
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--root", type=Path, default=Path("."))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    log("environment", environment())

    corpus = lab_corpus(args.root)
    training_text = (doc["contents"] for doc in itertools.islice(corpus, 0, None, 10))
    tok = train_wordpiece(training_text, VOCAB_SIZE, EXTRA_ALPHABET)
    tokenizer = save_tokenizer(tok, args.out, MAX_POSITIONS)
    log("tokenizer", type(tokenizer).__name__, "vocab", len(tokenizer))

    model = new_bert(dict(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                          intermediate_size=64, max_position_embeddings=MAX_POSITIONS, type_vocab_size=2,
                          pad_token_id=tokenizer.pad_token_id), SEED)
    model.save_pretrained(str(args.out))  # config.json + model.safetensors (the HF layout)

    texts = reference_texts(corpus)
    export = export_onnx(model, tokenizer, args.out / "model.onnx", texts, MAX_LENGTHS[0])
    references = []
    for max_length in MAX_LENGTHS:
        vectors = embed(model, tokenizer, texts, max_length)
        ids = tokenizer(texts, max_length=max_length, truncation=True)["input_ids"]
        references.append({"maxLength": max_length, "cases": [
            {"text": t, "ids": i, "embedding": [round(float(x), 8) for x in v]} for t, i, v in zip(texts, ids, vectors)
        ]})
    write_json(args.out / "reference.json", {
        "made_by": "scripts/models/make_tiny_bert_fixture.py", "seed": SEED, "environment": environment(),
        "pooling": "mean over attention mask, then L2 normalisation", "export": export, "references": references,
    })
    log("wrote", sorted(p.name for p in args.out.iterdir()))


if __name__ == "__main__":
    main()
