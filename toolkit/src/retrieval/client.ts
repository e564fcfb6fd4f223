/**
 * A `Retriever` over HTTP: the s3 / Search-R1 retrieval API (`POST /retrieve`), served by
 * `s3lab serve retriever` or by the original Python server, behaves like an in-process index.
 *
 * @example
 * ```ts
 * const retriever = new RetrieverClient('http://127.0.0.1:8000');
 * const [hits] = await retriever.search(['Who founded Krocol Works?'], 3);
 * ```
 */
import { z } from 'zod';
import { splitContents } from '../data/formats/corpus.js';
import type { Hit, Retriever } from './types.js';

const responseSchema = z.object({
  result: z.array(z.array(z.object({
    document: z.looseObject({ id: z.union([z.string(), z.number()]).transform(String), contents: z.string() }),
    score: z.number(),
  }))),
});

export interface RetrieverClientOptions {
  /** Milliseconds before a request is abandoned (default 60 s). */
  timeoutMs?: number;
  /** Queries per request; larger batches are split (default 512). */
  batchSize?: number;
}

export class RetrieverClient implements Retriever {
  private readonly endpoint: string;

  constructor(baseUrl: string, private readonly options: RetrieverClientOptions = {}) {
    this.endpoint = new URL('/retrieve', baseUrl).toString();
  }

  async search(queries: string[], k: number): Promise<Hit[][]> {
    const batchSize = this.options.batchSize ?? 512;
    const out: Hit[][] = [];
    for (let start = 0; start < queries.length; start += batchSize) {
      out.push(...(await this.post(queries.slice(start, start + batchSize), k)));
    }
    return out;
  }

  private async post(queries: string[], k: number): Promise<Hit[][]> {
    const response = await fetch(this.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ queries, topk: k, return_scores: true }),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`retrieval server ${this.endpoint} answered ${response.status}: ${text.slice(0, 500)}`);
    const parsed = responseSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`retrieval server ${this.endpoint} answered an unexpected shape: ${parsed.error.issues[0]?.message ?? ''}`);
    return parsed.data.result.map((list) => list.map(({ document, score }) => ({ id: document.id, ...splitContents(document.contents), score, contents: document.contents })));
  }
}
