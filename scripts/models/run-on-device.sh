#!/usr/bin/env bash
# What was run on the GPU machine to make the committed encoders (device tool, repo root as cwd,
# `.device/encoder` carried: the BM25 hard negatives written by scripts/models/lab-training-pairs.ts):
#   bash scripts/models/run-on-device.sh
# Results come back under $OUT as one tarball and one log per model.
set -u
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/encoder-out}
work=/tmp/encoders && rm -rf "$work" && mkdir -p "$work" "$OUT"
cd scripts/models
python3 make_tiny_bert_fixture.py --root ../.. --out "$work/tiny-bert" >"$OUT/tiny-bert.log" 2>&1 &
python3 train_lab_encoder.py --root ../.. --pairs ../../.device/encoder/lab-pairs.jsonl --out "$work/lab-e5-small" \
  --seed 1 --hidden 192 --layers 4 --heads 4 --ffn 768 --ict-ratio 0.5 \
  --steps 1500 --max-seconds 0 --eval-every 500 >"$OUT/lab-e5-small.log" 2>&1 &
wait
for name in tiny-bert lab-e5-small; do
  [ -d "$work/$name" ] && tar -C "$work" -czf "$OUT/$name.tar.gz" "$name"
done
ls -la "$OUT"; grep -h -E "^\[" "$OUT"/*.log | cut -c1-400 | tail -n 30
