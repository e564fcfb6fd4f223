"""The Python FAISS side of bench/faiss.bench.ts: the same vectors, the same protocol.

Usage: python3 bench/faiss-peer.py BASE.f32 QUERIES.f32 DIM K PLAN_JSON LABELS_OUT
PLAN_JSON is [[nq, repeats], ...]; repeat r searches query rows [r*nq, (r+1)*nq).
Prints one JSON object: add seconds and, per nq, the seconds of every repeat. Writes the
labels of each nq's first repeat to LABELS_OUT.<nq> (int64) so the caller can check both
sides found the same neighbours.
"""
import json
import sys
import time

import faiss
import numpy as np

base_path, queries_path, dim, k, plan_json, labels_out = sys.argv[1:7]
dim, k = int(dim), int(k)
xb = np.fromfile(base_path, dtype="float32").reshape(-1, dim)
xq = np.fromfile(queries_path, dtype="float32").reshape(-1, dim)

index = faiss.IndexFlatIP(dim)
started = time.perf_counter()
index.add(xb)
add_seconds = time.perf_counter() - started

searches = {}
for nq, repeats in json.loads(plan_json):
    index.search(xq[-nq:], k)  # warm-up, not timed (rows no repeat uses)
    seconds = []
    for r in range(repeats):
        batch = xq[r * nq:(r + 1) * nq]
        started = time.perf_counter()
        _, labels = index.search(batch, k)
        seconds.append(time.perf_counter() - started)
        if r == 0:
            labels.astype("int64").tofile(f"{labels_out}.{nq}")
    searches[str(nq)] = seconds

print(json.dumps({"faiss": faiss.__version__, "threads": faiss.omp_get_max_threads(), "addSeconds": add_seconds, "searches": searches}))
