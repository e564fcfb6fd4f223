"""Checks that transformers loads checkpoints written by s3lab's `TransformerLM.save` and computes
the logits s3lab computed for them (stored beside each as s3lab-logits.json by
scripts/models/save_lm_samples.mts). Prints one JSON line per model; exits 1 on a mismatch.

    python3 scripts/models/check_saved_lm.py DIR...
"""
import json
import sys

import torch
from transformers import AutoModelForCausalLM

failed = False
for directory in sys.argv[1:]:
    model = AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32).eval()
    sample = json.load(open(f'{directory}/s3lab-logits.json'))
    with torch.no_grad():
        logits = model(torch.tensor([sample['ids']])).logits[0]
    worst = float((logits - torch.tensor(sample['logits'])).abs().max())
    ok = worst < 1e-4
    failed |= not ok
    print(json.dumps({'model': directory, 'architecture': model.config.architectures, 'max_abs_diff': worst, 'ok': ok}))
sys.exit(1 if failed else 0)
