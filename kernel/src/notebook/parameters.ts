/**
 * Papermill-style parameters for TypeScript notebooks. A notebook declares its parameters in
 * the code cell tagged `parameters`; `s3lab run -p key=value` overrides them in a new cell,
 * tagged `injected-parameters`, placed right after it. A parameter declared with `let` is
 * overridden by assignment, so TypeScript checks the new value against the declared type
 * (`let scale: 'lab' | 'paper'` refuses `-p scale=big`); one declared with `const` is redeclared.
 *
 * @example
 * ```ts
 * const overrides = parseParameterArgs(['scale=paper', 'seed=2', 'smoke=true']); // { scale: 'paper', seed: 2, smoke: true }
 * ```
 */
import { z } from 'zod';
import { cellSource, cellTags, sourceLines, type Cell, NotebookInputError } from './ipynb.js';

export type ParameterValue = string | number | boolean | null | ParameterValue[] | { [key: string]: ParameterValue };

export const PARAMETERS_TAG = 'parameters';
export const INJECTED_TAG = 'injected-parameters';

const identifier = z.string().regex(/^[A-Za-z_$][\w$]*$/u, 'must be a TypeScript identifier');

/**
 * `key=value` strings to values: `true`/`false`/`null`, numbers, JSON (`[…]`, `{…}`, `"…"`),
 * anything else a string. A malformed one is a `NotebookInputError` naming it.
 */
export function parseParameterArgs(args: readonly string[]): Record<string, ParameterValue> {
  const parameters: Record<string, ParameterValue> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new NotebookInputError(`invalid parameter ${JSON.stringify(arg)}: expected key=value`);
    const key = arg.slice(0, eq);
    const checked = identifier.safeParse(key);
    if (!checked.success) throw new NotebookInputError(`invalid parameter ${JSON.stringify(arg)}: the key ${checked.error.issues[0]?.message}`);
    parameters[key] = parseValue(arg.slice(eq + 1), arg);
  }
  return parameters;
}

function parseValue(text: string, arg: string): ParameterValue {
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'null') return null;
  if (/^-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/iu.test(text)) return Number(text);
  if (/^["[{]/u.test(text)) {
    try {
      return JSON.parse(text) as ParameterValue;
    } catch (error) {
      throw new NotebookInputError(`invalid parameter ${JSON.stringify(arg)}: the value looks like JSON but is not (${(error as Error).message})`);
    }
  }
  return text;
}

/** Names declared at the top level of a parameters cell, and whether each is `const`. */
export function declaredParameters(source: string): Map<string, 'let' | 'const'> {
  const declared = new Map<string, 'let' | 'const'>();
  for (const match of source.matchAll(/^(?:export\s+)?(let|const|var)\s+([A-Za-z_$][\w$]*)/gmu)) {
    declared.set(match[2] as string, match[1] === 'const' ? 'const' : 'let');
  }
  return declared;
}

/**
 * Inserts the injected-parameters cell after the `parameters` cell (replacing one left by an
 * earlier run) and returns the new cell list. No overrides: only an old injected cell is removed.
 */
export function injectParameters(cells: readonly Cell[], overrides: Record<string, ParameterValue>, notebookName: string): Cell[] {
  const kept = cells.filter((cell) => !cellTags(cell).includes(INJECTED_TAG));
  const keys = Object.keys(overrides);
  if (keys.length === 0) return kept;
  const at = kept.findIndex((cell) => cell.cell_type === 'code' && cellTags(cell).includes(PARAMETERS_TAG));
  if (at < 0) throw new NotebookInputError(`${notebookName} has no code cell tagged "${PARAMETERS_TAG}", so it takes no -p parameters`);
  const declared = declaredParameters(cellSource(kept[at] as Cell));
  const unknown = keys.filter((key) => !declared.has(key));
  if (unknown.length > 0) {
    throw new NotebookInputError(`unknown parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: the parameters cell of ${notebookName} declares ${[...declared.keys()].join(', ') || 'nothing'}`);
  }
  const lines = keys.map((key) => {
    const value = JSON.stringify(overrides[key]);
    return declared.get(key) === 'const' ? `const ${key} = ${value};` : `${key} = ${value};`;
  });
  const injected: Cell = {
    cell_type: 'code',
    id: INJECTED_TAG,
    execution_count: null,
    metadata: { tags: [INJECTED_TAG] },
    outputs: [],
    source: sourceLines(`// Parameters injected by s3lab run\n${lines.join('\n')}`),
  };
  return [...kept.slice(0, at + 1), injected, ...kept.slice(at + 1)];
}
