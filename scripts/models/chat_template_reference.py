#!/usr/bin/env python3
"""Reference renderings of a model's chat template, for s3lab's chat-template parity test.

Renders every conversation of test/fixtures/chat-template/conversations.json with
transformers' ``tokenizer.apply_chat_template(messages, tools=..., tokenize=False,
add_generation_prompt=...)`` for the tokenizer in DIR (tokenizer.json + tokenizer_config.json),
and writes JSON: the renderings, and the token ids of each rendering
(``tokenizer.encode(text, add_special_tokens=False)``).

Usage (from the repository root; needs ``pip install transformers`` — torch is not needed):

    python scripts/models/chat_template_reference.py datasets/models/lab-tokenizer \
        --out test/fixtures/chat-template/reference.json

``--emulate`` renders without transformers, with Jinja2 set up as transformers sets it up
(sandboxed environment, trim_blocks, lstrip_blocks, loopcontrols, its ``tojson``), and writes no
ids. It is a cross-check available where transformers is not, not a substitute for it.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_CONVERSATIONS = os.path.join(REPO, "test", "fixtures", "chat-template", "conversations.json")


def sha256_of(path: str) -> str | None:
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def render_with_transformers(model_dir: str, cases: list[dict]) -> tuple[str, str, list[dict]]:
    import transformers
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    template = tokenizer.chat_template
    if isinstance(template, dict):
        template = template["default"]
    out = []
    for case in cases:
        text = tokenizer.apply_chat_template(
            case["messages"],
            tools=case.get("tools"),
            tokenize=False,
            add_generation_prompt=case["add_generation_prompt"],
        )
        ids = tokenizer.encode(text, add_special_tokens=False)
        out.append({"name": case["name"], "add_generation_prompt": case["add_generation_prompt"], "text": text, "ids": ids})
    return f"transformers {transformers.__version__}", template, out


def render_with_jinja2(model_dir: str, cases: list[dict]) -> tuple[str, str, list[dict]]:
    """transformers' _compile_jinja_template and apply_chat_template's render call, without transformers."""
    from datetime import datetime

    import jinja2
    import jinja2.ext
    from jinja2.exceptions import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    with open(os.path.join(model_dir, "tokenizer_config.json"), encoding="utf-8") as f:
        config = json.load(f)
    jinja_file = os.path.join(model_dir, "chat_template.jinja")
    if os.path.exists(jinja_file):
        with open(jinja_file, encoding="utf-8") as f:
            template = f.read()
    else:
        template = config["chat_template"]
        if isinstance(template, list):
            template = {t["name"]: t["template"] for t in template}["default"]

    def raise_exception(message):
        raise TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(fmt):
        return datetime.now().strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    compiled = env.from_string(template)

    def content(token):
        return token["content"] if isinstance(token, dict) else token

    # special_tokens_map: the named special tokens that are set, and additional_special_tokens.
    special = {}
    for name in ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"):
        if config.get(name) is not None:
            special[name] = content(config[name])
    if config.get("additional_special_tokens"):
        special["additional_special_tokens"] = [content(t) for t in config["additional_special_tokens"]]

    out = []
    for case in cases:
        text = compiled.render(
            messages=case["messages"],
            tools=case.get("tools"),
            documents=None,
            add_generation_prompt=case["add_generation_prompt"],
            **special,
        )
        out.append({"name": case["name"], "add_generation_prompt": case["add_generation_prompt"], "text": text})
    return f"jinja2 {jinja2.__version__} emulating transformers' chat-template environment", template, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir", help="directory with tokenizer.json and tokenizer_config.json")
    parser.add_argument("--conversations", default=DEFAULT_CONVERSATIONS, help="conversations JSON (default: the test fixture)")
    parser.add_argument("--out", help="write the JSON here (default: stdout)")
    parser.add_argument("--emulate", action="store_true", help="render with Jinja2 as transformers would, without transformers")
    args = parser.parse_args()

    with open(args.conversations, encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    generator, template, rendered = (render_with_jinja2 if args.emulate else render_with_transformers)(args.model_dir, cases)
    result = {
        "generator": generator,
        "python": sys.version.split()[0],
        "model_dir": os.path.basename(os.path.normpath(args.model_dir)),
        "tokenizer_json_sha256": sha256_of(os.path.join(args.model_dir, "tokenizer.json")),
        "chat_template_sha256": hashlib.sha256(template.encode("utf-8")).hexdigest(),
        "conversations_sha256": sha256_of(args.conversations),
        "cases": rendered,
    }
    text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {len(rendered)} renderings to {args.out} ({generator})", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
