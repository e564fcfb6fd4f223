// Load generator for bench/server.bench.ts, run in its own process so that it does not share
// the server's event loop: sends `requests` POST /retrieve calls, `concurrency` at a time.
// Bounded by count and by a deadline, and stops by itself.
const [url, concurrencyArg, requestsArg, batchArg, queriesJson] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
const requests = Number(requestsArg);
const batch = Number(batchArg);
const queries = JSON.parse(queriesJson ?? '[]') as string[];
const deadline = Date.now() + 120_000;
const latencies: number[] = [];
let next = 0;
let failures = 0;

async function worker(): Promise<void> {
  while (next < requests && Date.now() < deadline) {
    const i = next++;
    const body = JSON.stringify({ queries: Array.from({ length: batch }, (_, j) => queries[(i * batch + j) % queries.length]), topk: 10, return_scores: true });
    const started = performance.now();
    const response = await fetch(`${url}/retrieve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await response.arrayBuffer();
    if (!response.ok) failures++;
    latencies.push(performance.now() - started);
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
process.stdout.write(JSON.stringify({ requests: latencies.length, failures, seconds, p50: pct(50), p95: pct(95), p99: pct(99) }));
