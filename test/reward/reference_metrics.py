"""Python reference for the differential tests of s3lab's answer metrics and document extraction.

Restates, on Python's own str/re/unicodedata semantics, what the s3 code computes:
- normalize_answer / em_check / answer_span_check of pat-jj/s3 verl/utils/reward_score/rag_2.py;
- the token F1 of pat-jj/s3 scripts/evaluation/context_cube.py (with rag_2's normalisation);
- Pyserini's has_answers(regex=False) with the DPR SimpleTokenizer (needs the `regex` module);
- extract_titles_and_texts of rag_2.py and the context string built in compute_score_rag.

Protocol: one JSON object on stdin, {"normalize": [s], "tokenize": [s], "em" | "f1" | "span":
[[prediction, [golds]]], "extract": [transcript]}; the same keys with the results on stdout (ASCII
JSON). Run with /usr/bin/python3.
"""
import json
import re
import string
import sys
import unicodedata

import regex

PUNCTUATION = set(string.punctuation)
TOKEN = regex.compile(r"([\p{L}\p{N}\p{M}]+)|([^\p{Z}\p{C}])", flags=regex.IGNORECASE + regex.UNICODE + regex.MULTILINE)


def normalize_answer(s):
    s = s.lower()
    s = "".join(ch for ch in s if ch not in PUNCTUATION)
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def tokenize(text):
    return [m.group().lower() for m in TOKEN.finditer(text)]


def has_answers(text, answers):
    words = tokenize(unicodedata.normalize("NFD", text))
    for answer in answers:
        needle = tokenize(unicodedata.normalize("NFD", answer))
        for i in range(0, len(words) - len(needle) + 1):
            if needle == words[i : i + len(needle)]:
                return True
    return False


def em(prediction, golds):
    p = normalize_answer(prediction)
    return any(normalize_answer(g) == p for g in golds)


def span(prediction, golds):
    return has_answers(normalize_answer(prediction), [normalize_answer(g) for g in golds])


def f1_one(prediction, gold):
    pred, ref = normalize_answer(prediction).split(), normalize_answer(gold).split()
    if not pred and not ref:
        return 1.0
    if not pred or not ref:
        return 0.0
    left = {}
    for t in pred:
        left[t] = left.get(t, 0) + 1
    same = 0
    for t in ref:
        if left.get(t, 0) > 0:
            same += 1
            left[t] -= 1
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(ref)
    return (2 * precision * recall) / (precision + recall)


def f1(prediction, golds):
    return max((f1_one(prediction, g) for g in golds), default=0.0)


DOC = re.compile(
    r'Doc\s*(\d+)\s*\(\s*Title\s*:\s*"?([^")]+)"?\)\s*(.*?)(?=Doc\s*\d+\s*\(\s*Title\s*:|$)',
    re.DOTALL | re.IGNORECASE,
)


def docs_of(content):
    return [(int(m.group(1)), m.group(2).strip(), m.group(3).strip()) for m in DOC.finditer(content)]


def extract(transcript):
    blocks = [{"pos": m.start(), "content": m.group(1), "done": False}
              for m in re.finditer(r"<information>(.*?)</information>", transcript, re.DOTALL)]
    selections = []
    for m in re.finditer(r"<important_info>(.*?)</important_info>", transcript, re.DOTALL):
        ids = [int(n) for n in re.findall(r"\d+", m.group(1).strip()) if int(n) in range(1, 9)]
        selections.append((m.start(), list(dict.fromkeys(ids))))
    out, seen = [], set()

    def keep(title, text):
        if text not in seen:
            seen.add(text)
            out.append((title, text))

    for pos, ids in selections:
        # The original's search: the closest earlier unused block with no block in between.
        best, best_distance = None, float("inf")
        for b in blocks:
            if b["done"] or b["pos"] >= pos:
                continue
            if any(b["pos"] < o["pos"] < pos for o in blocks):
                continue
            if pos - b["pos"] < best_distance:
                best, best_distance = b, pos - b["pos"]
        if best is not None:
            best["done"] = True
            for doc_id, title, text in docs_of(best["content"]):
                if doc_id in ids:
                    keep(title, text)
    for b in blocks:
        if not b["done"]:
            for _, title, text in docs_of(b["content"]):
                keep(title, text)
    return out


def context(docs):
    seen, parts = set(), []
    for title, text in docs:
        if (title, text) not in seen:
            seen.add((title, text))
            parts.append(f"Doc {len(seen)} (Title: {title})\n{text}\n\n")
    return "".join(parts)


def main():
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    response = {
        "normalize": [normalize_answer(s) for s in request.get("normalize", [])],
        "tokenize": [tokenize(s) for s in request.get("tokenize", [])],
        "em": [em(p, g) for p, g in request.get("em", [])],
        "f1": [f1(p, g) for p, g in request.get("f1", [])],
        "span": [span(p, g) for p, g in request.get("span", [])],
        "extract": [],
    }
    for transcript in request.get("extract", []):
        docs = extract(transcript)
        response["extract"].append({"docs": [list(d) for d in docs], "context": context(docs)})
    sys.stdout.write(json.dumps(response))


if __name__ == "__main__":
    main()
