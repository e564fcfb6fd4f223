/**
 * Searcher presets, named docs-turns-kept as in the s3 repository: `8-3-3` retrieves 8 documents
 * per query, allows 3 search turns and asks the searcher to keep at most 3 documents per turn.
 *
 * @example
 * ```ts
 * resolvePreset('5-3-4'); // { name: '5-3-4', docsPerTurn: 5, maxTurns: 3, keptPerTurn: 4 }
 * ```
 */
import { z } from 'zod';
import { PAPER_SCALE } from '../config/index.js';

export interface SearcherPreset {
  name: string;
  /** Documents retrieved per query (the retriever's top-k). */
  docsPerTurn: number;
  /** Generations that may search; one more generation follows without search (as the original loop). */
  maxTurns: number;
  /** Documents the prompt lets the searcher keep per `<information>` block. */
  keptPerTurn: number;
}

export const searcherPresetSchema = z.object({
  name: z.string(),
  docsPerTurn: z.number().int().min(1),
  maxTurns: z.number().int().min(0),
  keptPerTurn: z.number().int().min(1),
});

const PRESET_PATTERN = /^(\d+)-(\d+)-(\d+)$/;

/**
 * A preset by name (any `d-t-k`, the five of the original code included) or as an object.
 * Throws a RangeError on a malformed name.
 *
 * @example
 * ```ts
 * resolvePreset(); // the 8-3-3 default
 * ```
 */
export function resolvePreset(preset: string | SearcherPreset = PAPER_SCALE.searchPreset): SearcherPreset {
  if (typeof preset !== 'string') return searcherPresetSchema.parse(preset);
  const match = PRESET_PATTERN.exec(preset);
  if (!match) throw new RangeError(`a searcher preset is named docs-turns-kept, e.g. 8-3-3; got ${JSON.stringify(preset)}`);
  return searcherPresetSchema.parse({
    name: preset,
    docsPerTurn: Number(match[1]),
    maxTurns: Number(match[2]),
    keptPerTurn: Number(match[3]),
  });
}
