#!/usr/bin/env bash
# Trains the lab generator on the device machine's GPU (PyTorch + transformers there; see
# scripts/models/train_lab_generator.py for why). The model shipped in datasets/models/lab-generator
# was made exactly so:
#   bash scripts/models/run-generator-on-device.sh prepare   here: tokenised examples of lab worlds 2..13 under .device/generator
#   bash scripts/models/run-generator-on-device.sh stage1    there, carry [".device/generator"]; ~9 min on an H100; $OUT/lab-generator
#   bash scripts/models/run-generator-on-device.sh stage2    there, carry [".device/generator", ".device/gen-init"] with stage 1's
#                                                            model copied here to .device/gen-init; ~9 min; $OUT/lab-generator
# then copy $OUT/lab-generator/* and the lab tokenizer's tokenizer{,_config}.json to datasets/models/lab-generator.
set -euo pipefail
cd "$(dirname "$0")/../.."
G=.device/generator
OUT=${OUT:-/tmp/generator-out}
TRAIN="python3 scripts/models/train_lab_generator.py --examples $G/examples.u16.xz --meta $G/meta.json --out $OUT/lab-generator --batch 48"
case "${1:-}" in
  prepare)
    node --conditions=s3lab-source --import tsx scripts/models/train_lab_generator.mts --pack $G --seeds "${SEEDS:-2,3,4,5,6,7,8,9,10,11,12,13}"
    xz -T0 -9 -f $G/examples.u16
    du -sh $G ;;
  stage1) $TRAIN --steps 4000 --lr 1.5e-3 --eval-every 800 --max-minutes 8.7 ;;
  stage2) $TRAIN --init .device/gen-init --steps 4200 --lr 6e-4 --warmup 100 --seed 2 --eval-every 1400 --max-minutes 8.8 ;;
  *) echo "usage: $0 prepare|stage1|stage2" >&2; exit 2 ;;
esac
