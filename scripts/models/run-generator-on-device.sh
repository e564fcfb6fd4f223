#!/usr/bin/env bash
# Trains the lab generator on the device machine's GPU through WebGPU (see bench/gpu/run.sh for the
# Node + Dawn set-up this reuses). Two halves:
#   bash scripts/models/run-generator-on-device.sh prepare   here: tokenised examples and the bundle under .device/generator
#   bash scripts/models/run-generator-on-device.sh [ARGS]    there, carry [".device/gpu", ".device/generator", ".gl"]; writes $OUT/lab-generator.tar.gz
set -euo pipefail
cd "$(dirname "$0")/../.."
G=.device/generator
if [ "${1:-}" = prepare ]; then
  [ -f .device/gpu/node.xz ] || bash bench/gpu/run.sh prepare
  node --conditions=s3lab-source --import tsx scripts/models/train_lab_generator.mts --pack $G --seeds "${SEEDS:-2,3,4,5,6,7,8,9,10,11,12,13}"
  xz -T0 -9 -f $G/examples.u16
  node_modules/.bin/esbuild scripts/models/train_lab_generator_gpu.ts --bundle --platform=node --format=esm --target=node20 \
    --external:webgpu --ignore-annotations --log-level=warning --outfile=$G/train.mjs \
    --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
  xz -T0 -9 -f $G/train.mjs
  du -sh $G; exit 0
fi
OUT=${OUT:-/tmp/generator-out}; mkdir -p "$OUT"
if ! ldconfig -p | grep -q libvulkan; then for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig; fi
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
xz -dc .device/gpu/node.xz > /tmp/node && chmod +x /tmp/node
xz -dc .device/gpu/node_modules/webgpu/dist/linux-x64/dawn.node.xz > .device/gpu/node_modules/webgpu/dist/linux-x64/dawn.node
xz -dc $G/train.mjs.xz > .device/gpu/train.mjs   # beside node_modules/webgpu, which it imports
xz -dc $G/examples.u16.xz > /tmp/examples.u16
/tmp/node .device/gpu/train.mjs --examples /tmp/examples.u16 --meta $G/meta.json --out /tmp/lab-generator "$@" 2>&1 | grep -v "^Hi, looks\|^====\|^$\|^ - While\|invalid due to a previous error" | head -c 2000000 | tee "$OUT/train.log" || true
tar -C /tmp -czf "$OUT/lab-generator.tar.gz" lab-generator
