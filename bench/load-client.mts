// Load generator for the server benchmarks (bench/server.bench.ts, bench/server-load.bench.ts), run
// in its own process so that it does not share the server's event loop. `concurrency` clients POST
// JSON bodies (taken in turn from `bodies`) to `url`, each waiting for its answer before the next,
// until `requests` are sent or `seconds` have passed. A client told 503 waits the `Retry-After` it
// was given, as a well-behaved client does; a request unanswered after `timeoutMs` counts as a
// timeout. Prints one JSON line: requests per status, timeouts, network errors, latency percentiles.
import { readFileSync } from 'node:fs';

interface LoadPlan {
  url: string;
  bodies: string[];
  concurrency: number;
  /** Stop after this many requests (default: no limit)… */
  requests?: number;
  /** …or after this many seconds (default 120). */
  seconds?: number;
  timeoutMs?: number;
}

const plan = JSON.parse(readFileSync(process.argv[2] ?? '/dev/stdin', 'utf8')) as LoadPlan;
const deadline = Date.now() + (plan.seconds ?? 120) * 1000;
const maxRequests = plan.requests ?? Number.POSITIVE_INFINITY;
const timeoutMs = plan.timeoutMs ?? 30_000;
const latencies: number[] = [];
const statuses: Record<string, number> = {};
let timeouts = 0;
let networkErrors = 0;
let sent = 0;

async function client(): Promise<void> {
  while (sent < maxRequests && Date.now() < deadline) {
    const body = plan.bodies[sent % plan.bodies.length];
    sent += 1;
    const started = performance.now();
    try {
      const response = await fetch(plan.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(timeoutMs) });
      await response.arrayBuffer();
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      if (response.status === 200) latencies.push(performance.now() - started);
      if (response.status === 503) await sleep(Math.min(deadline - Date.now(), 1000 * Number(response.headers.get('retry-after') ?? 1)));
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') timeouts += 1;
      else networkErrors += 1;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

const started = performance.now();
await Promise.all(Array.from({ length: plan.concurrency }, client));
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const percentile = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
process.stdout.write(`${JSON.stringify({ sent, ok: latencies.length, statuses, timeouts, networkErrors, seconds, p50: percentile(50), p95: percentile(95), p99: percentile(99) })}\n`);
