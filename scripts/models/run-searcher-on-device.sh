#!/usr/bin/env bash
# Trains a lab policy's warm start (SFT) on the device machine's GPU (PyTorch + transformers there;
# see scripts/models/train_lab_searcher.py for why). METHOD picks the policy: s3 (default: the lab searcher),
# search-r1 (the lab Search-R1 policy) or deep-retrieval (the lab DeepRetrieval rewriter); all three have the lab
# searcher's architecture. The models shipped in datasets/models/lab-searcher/sft, lab-search-r1/sft and
# lab-deep-retrieval/sft were made exactly so:
#   METHOD=… bash scripts/models/run-searcher-on-device.sh prepare   here: demonstrations of lab worlds 2..7 and the lab world's train split under .device/<method>
#   METHOD=… bash scripts/models/run-searcher-on-device.sh train     there, with .device/<method> in the tree; a few minutes; $OUT/lab-<method>-sft
# then copy $OUT/lab-<method>-sft/* and the lab tokenizer's tokenizer{,_config}.json to the model's sft/ directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
METHOD=${METHOD:-s3}
case "$METHOD" in s3) S=.device/searcher; NAME=lab-searcher-sft ;; search-r1|deep-retrieval) S=.device/$METHOD; NAME=lab-$METHOD-sft ;; *) echo "METHOD: expected s3, search-r1 or deep-retrieval" >&2; exit 2 ;; esac
OUT=${OUT:-/tmp/searcher-out}
case "${1:-}" in
  prepare)
    node --conditions=s3lab-source --import tsx scripts/models/train_lab_searcher.mts --method "$METHOD" --pack $S --seeds "${SEEDS:-2,3,4,5,6,7}" --scale "${SCALE:-1}"
    xz -T0 -6 -f $S/examples.u16 $S/held-out.u16
    du -sh $S ;;
  train) python3 scripts/models/train_lab_searcher.py --examples $S/examples.u16.xz --meta $S/meta.json --out "$OUT/$NAME" --steps "${STEPS:-6000}" --max-minutes "${MINUTES:-7.3}" ;;
  *) echo "usage: METHOD=s3|search-r1|deep-retrieval $0 prepare|train" >&2; exit 2 ;;
esac
