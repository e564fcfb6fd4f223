/**
 * The batched turn loop every multi-turn method runs (s3, Search-R1, Search-o1, IRCoT). Each turn
 * serves all still-active runs together, so a model searcher makes one generation call and the
 * retriever one search call per turn however many questions there are:
 *
 *   for turn in 0..turns-1, over the runs not yet done:
 *     outputs = generate(active)                           one batched model/policy call
 *     parsed  = parse(run, output) for each                the method's grammar
 *     hits    = retriever.search(queries of those that search, k)   one batched search
 *     extra   = afterSearch(those that searched)           optional (Search-o1 condenses documents)
 *     apply(run, …) for each, in order                     the method appends the turn, may mark it done
 *
 * A method keeps only its protocol (prompt, parsing, what a turn appends); the order of calls is
 * fixed here, which is what keeps a trajectory reproducible from its seed.
 */
import type { Retriever } from '../retrieval/types.js';
import { toRetrievedDoc, type RetrievedDoc } from './doc-lines.js';

/** What the driver needs to know of a run: whether it has finished. */
export interface TurnRun {
  done: boolean;
}

/** One run's turn as the driver hands it to `apply`. */
export interface TurnStep<Output, Parsed, Extra> {
  /** The model's output (undefined when the backend returned too few). */
  output: Output | undefined;
  parsed: Parsed;
  /** Whether this turn ran the run's query. */
  searched: boolean;
  /** The query's documents (empty when nothing was searched). */
  retrieved: RetrievedDoc[];
  /** What `afterSearch` returned for the run (undefined when it did not search or there is no such step). */
  extra: Extra | undefined;
}

/** A method's protocol: how one turn is generated, read and applied. */
export interface TurnProtocol<Run extends TurnRun, Output, Parsed, Extra = never> {
  /** One batched model or policy call for the active runs, one output per run. */
  generate(active: readonly Run[], turn: number): Promise<readonly Output[]>;
  /** Reads one run's output (before any search of the turn). */
  parse(run: Run, output: Output | undefined, turn: number): Parsed;
  /** The query this turn runs for the run, or null when it does not search. */
  query(parsed: Parsed, turn: number): string | null;
  /** One more batched step over the runs that searched (in order), one result each; skipped when none did. */
  afterSearch?(searched: readonly { run: Run; parsed: Parsed; retrieved: RetrievedDoc[] }[], turn: number): Promise<readonly Extra[]>;
  /** Applies the turn to the run (transcript, records) and sets `done` when it has finished. */
  apply(run: Run, step: TurnStep<Output, Parsed, Extra>, turn: number): void;
}

export interface RunTurnsOptions {
  /** Turns at most (turn numbers 0..turns-1); runs still active after them stay as they are. */
  turns: number;
  retriever: Retriever;
  /** Documents per search. */
  k: number;
  /** Called after each turn with the turns done and `turns`: a model searcher's turns take seconds each. */
  onProgress?: (done: number, turns: number) => void;
}

/**
 * Drives `runs` through at most `options.turns` turns of `protocol`, mutating them through `apply`.
 *
 * @example
 * ```ts
 * const runs = questions.map((question) => ({ question, text: '', done: false }));
 * await runTurns(runs, {
 *   generate: (active) => Promise.all(active.map(async (r) => `search: ${r.question}`)),
 *   parse: (_run, output) => output ?? '',
 *   query: (parsed) => parsed.replace(/^search: /u, ''),
 *   apply: (run, step) => { run.text += step.retrieved.map((d) => d.title).join(' '); run.done = true; },
 * }, { turns: 3, retriever, k: 2 });
 * ```
 */
export async function runTurns<Run extends TurnRun, Output, Parsed, Extra = never>(
  runs: readonly Run[],
  protocol: TurnProtocol<Run, Output, Parsed, Extra>,
  options: RunTurnsOptions,
): Promise<void> {
  for (let turn = 0; turn < options.turns; turn++) {
    const active = runs.filter((r) => !r.done);
    if (active.length === 0) break;
    const outputs = await protocol.generate(active, turn);
    const parsed = active.map((run, j) => protocol.parse(run, outputs[j], turn));
    const searching = parsed.flatMap((p, j) => {
      const query = protocol.query(p, turn);
      return query === null ? [] : [{ j, query }];
    });
    const hits = searching.length ? await options.retriever.search(searching.map((s) => s.query), options.k) : [];
    const retrievedOf = new Map<number, RetrievedDoc[]>(searching.map(({ j }, n) => [j, (hits[n] ?? []).map(toRetrievedDoc)]));
    const extras = new Map<number, Extra>();
    if (protocol.afterSearch && searching.length) {
      const results = await protocol.afterSearch(searching.map(({ j }) => ({ run: active[j] as Run, parsed: parsed[j] as Parsed, retrieved: retrievedOf.get(j) ?? [] })), turn);
      searching.forEach(({ j }, n) => {
        if (n < results.length) extras.set(j, results[n] as Extra);
      });
    }
    active.forEach((run, j) => {
      const retrieved = retrievedOf.get(j);
      protocol.apply(run, { output: outputs[j], parsed: parsed[j] as Parsed, searched: retrieved !== undefined, retrieved: retrieved ?? [], extra: extras.get(j) }, turn);
    });
    options.onProgress?.(turn + 1, options.turns);
  }
}
