#!/usr/bin/env bash
# Trains the lab searcher's warm start (SFT) on the device machine's GPU (PyTorch + transformers there;
# see scripts/models/train_lab_searcher.py for why). The model shipped in datasets/models/lab-searcher/sft
# was made exactly so:
#   bash scripts/models/run-searcher-on-device.sh prepare   here: demonstrations of lab worlds 2..7 and the lab world's train split under .device/searcher
#   bash scripts/models/run-searcher-on-device.sh train     there, carry [".device/searcher"]; a few minutes; $OUT/lab-searcher-sft
# then copy $OUT/lab-searcher-sft/* and the lab tokenizer's tokenizer{,_config}.json to datasets/models/lab-searcher/sft.
set -euo pipefail
cd "$(dirname "$0")/../.."
S=.device/searcher
OUT=${OUT:-/tmp/searcher-out}
case "${1:-}" in
  prepare)
    node --conditions=s3lab-source --import tsx scripts/models/train_lab_searcher.mts --pack $S --seeds "${SEEDS:-2,3,4,5,6,7}" --scale "${SCALE:-1}"
    xz -T0 -6 -f $S/examples.u16 $S/held-out.u16
    du -sh $S ;;
  train) python3 scripts/models/train_lab_searcher.py --examples $S/examples.u16.xz --meta $S/meta.json --out $OUT/lab-searcher-sft --steps "${STEPS:-6000}" --max-minutes "${MINUTES:-7.3}" ;;
  *) echo "usage: $0 prepare|train" >&2; exit 2 ;;
esac
