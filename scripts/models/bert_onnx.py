"""Shared parts of the scripts that make s3lab's BERT-architecture encoders (run on the GPU machine).

What they share is what makes an encoder s3lab can load with `loadEncoder`: a WordPiece
`tokenizer.json` built like bert-base-uncased's (e5-base-v2 uses that tokenizer), a Hugging Face
`config.json`, a `model.onnx` whose output is `last_hidden_state`, and reference embeddings
computed the way the s3 retriever computes them (s3/search/retrieval_server.py): tokenize with
truncation at max_length and padding, mean-pool over the attention mask, L2-normalise.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Iterable, Sequence

import torch

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def log(*parts: object) -> None:
    print(f"[{time.strftime('%H:%M:%S')}]", *parts, flush=True)


def lab_corpus(root: Path) -> list[dict]:
    with open(root / "datasets/lab/corpus.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def lab_questions(root: Path, split: str) -> list[dict]:
    with open(root / f"datasets/lab/{split}.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def train_wordpiece(texts: Iterable[str], vocab_size: int, extra_alphabet: Sequence[str] = ()):
    """A bert-base-uncased-shaped tokenizer (BertNormalizer lowercasing, BertPreTokenizer,
    WordPiece with '##' continuations, '[CLS] $A [SEP]') with a vocabulary trained on `texts`."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size, min_frequency=2, special_tokens=SPECIAL_TOKENS,
        initial_alphabet=list(extra_alphabet), continuing_subword_prefix="##",
    )
    tok.train_from_iterator(texts, trainer)
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)],
    )
    tok.decoder = decoders.WordPiece(prefix="##")
    return tok


def save_tokenizer(tok, out: Path, model_max_length: int):
    """Saves tokenizer.json + tokenizer_config.json through transformers and reloads them with
    AutoTokenizer, the way the original retriever loads e5's tokenizer."""
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    hf = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
        mask_token="[MASK]", model_max_length=model_max_length,
        model_input_names=["input_ids", "token_type_ids", "attention_mask"],
    )
    hf.save_pretrained(str(out))
    return AutoTokenizer.from_pretrained(str(out), use_fast=True)


def new_bert(config_kwargs: dict, seed: int):
    """A randomly initialised BertModel (no pooler: s3lab mean-pools) with eager attention,
    which traces to ONNX cleanly (transformers 5's SDPA mask path does not)."""
    from transformers import BertConfig, BertModel

    torch.manual_seed(seed)
    config = BertConfig(**config_kwargs)
    try:
        model = BertModel._from_config(config, attn_implementation="eager", add_pooling_layer=False)
    except TypeError:
        config._attn_implementation = "eager"
        model = BertModel(config, add_pooling_layer=False)
    return model


def mean_pool(last_hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """The original's pooling(..., 'mean') followed by F.normalize (retrieval_server.py)."""
    hidden = last_hidden.masked_fill(~attention_mask[..., None].bool(), 0.0)
    pooled = hidden.sum(dim=1) / attention_mask.sum(dim=1)[..., None]
    return torch.nn.functional.normalize(pooled, dim=-1)


@torch.no_grad()
def embed(model, tokenizer, texts: Sequence[str], max_length: int, device: str = "cpu", batch_size: int = 256) -> torch.Tensor:
    model.eval()
    out = []
    for i in range(0, len(texts), batch_size):
        enc = tokenizer(list(texts[i:i + batch_size]), max_length=max_length, truncation=True, padding=True, return_tensors="pt")
        enc = {k: v.to(device) for k, v in enc.items()}
        hidden = model(**enc).last_hidden_state.float()
        out.append(mean_pool(hidden, enc["attention_mask"]).cpu())
    return torch.cat(out)


class _LastHidden(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state


def export_onnx(model, tokenizer, path: Path, probe_texts: Sequence[str], max_length: int) -> dict:
    """Exports `last_hidden_state` with dynamic batch and sequence axes, then checks the ONNX
    graph against PyTorch with onnxruntime on padded, unpadded and single-text batches; tries the
    TorchScript exporter first and the dynamo exporter second, keeping the first that agrees."""
    import onnx
    import onnxruntime as ort

    model = model.float().cpu().eval()
    # The wrapper must be in eval mode too: torch.onnx.export restores the wrapper's mode after
    # exporting, and a wrapper left in training mode would switch dropout back on in `model`.
    wrapper = _LastHidden(model).eval()
    # A padded example, so tracing never takes transformers' "mask is all ones" shortcut.
    example = tokenizer(["a short one", "a somewhat longer example text that needs more tokens than the first"],
                        max_length=max_length, truncation=True, padding=True, return_tensors="pt")
    args = (example["input_ids"], example["attention_mask"], example["token_type_ids"])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "sequence"} for n in names}
    axes["last_hidden_state"] = {0: "batch", 1: "sequence"}
    probes = [list(probe_texts), [probe_texts[0]], list(probe_texts[1:3])]
    report: dict = {"tried": []}
    for exporter in ("torchscript", "dynamo"):
        try:
            if path.exists():
                path.unlink()
            if exporter == "torchscript":
                torch.onnx.export(wrapper, args, str(path), input_names=names, output_names=["last_hidden_state"],
                                  dynamic_axes=axes, opset_version=17, do_constant_folding=True, dynamo=False)
            else:
                torch.onnx.export(wrapper, args, str(path), input_names=names, output_names=["last_hidden_state"],
                                  dynamic_axes=axes, opset_version=18, dynamo=True, external_data=False)
            # One self-contained file: fold any external weights back in.
            proto = onnx.load(str(path), load_external_data=True)
            onnx.save(proto, str(path), save_as_external_data=False)
            for leftover in path.parent.glob(path.name + ".data"):
                leftover.unlink()
            model.eval()
            session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
            worst_cos, worst_abs = 1.0, 0.0
            for texts in probes:
                enc = tokenizer(texts, max_length=max_length, truncation=True, padding=True, return_tensors="pt")
                feeds = {n: enc[n].numpy() for n in names}
                got = torch.from_numpy(session.run(["last_hidden_state"], feeds)[0])
                with torch.no_grad():
                    want = model(**enc).last_hidden_state
                e_got, e_want = mean_pool(got, enc["attention_mask"]), mean_pool(want, enc["attention_mask"])
                worst_cos = min(worst_cos, float((e_got * e_want).sum(-1).min()))
                worst_abs = max(worst_abs, float((e_got - e_want).abs().max()))
            entry = {"exporter": exporter, "min_cosine": worst_cos, "max_abs_diff": worst_abs, "bytes": path.stat().st_size}
            report["tried"].append(entry)
            log("export", entry)
            if worst_cos >= 0.999999:
                report.update(entry)
                return report
        except Exception as error:  # noqa: BLE001 - report and try the next exporter
            report["tried"].append({"exporter": exporter, "error": f"{type(error).__name__}: {error}"[:2000]})
            log("export failed", exporter, repr(error)[:2000])
    raise RuntimeError(f"no exporter produced a matching ONNX graph: {report}")


def write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def environment() -> dict:
    import onnxruntime
    import tokenizers
    import transformers

    return {"torch": torch.__version__, "transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
            "onnxruntime": onnxruntime.__version__, "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
            "cpu_count": os.cpu_count()}
