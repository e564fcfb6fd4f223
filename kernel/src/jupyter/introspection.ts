/**
 * The replies that look at code without running it (messaging spec 5.3: "Completion",
 * "Introspection", "Code completeness"), from TypeScript's language service through tslab.
 * The spec counts `cursor_pos`, `cursor_start` and `cursor_end` in Unicode code points; strings
 * here are UTF-16, so positions are converted both ways (an emoji before the cursor is one
 * character to Jupyter, two to JavaScript).
 *
 * @example
 * ```ts
 * completeReply(executor, { code: 'Math.fl', cursor_pos: 7 }); // { matches: ['floor'], cursor_start: 5, cursor_end: 7, … }
 * ```
 */
import { isCompleteCode, printQuickInfo, type Executor } from '../tslab.js';

export interface CodeRequest {
  code: string;
  cursor_pos?: number;
  detail_level?: number;
}

export function completeReply(executor: Executor, request: CodeRequest): Record<string, unknown> {
  const { code, at } = position(request);
  const info = executor.complete(code, at);
  return {
    status: 'ok',
    matches: info.candidates,
    cursor_start: codePoints(code, info.start),
    cursor_end: codePoints(code, info.end),
    metadata: {},
  };
}

export function inspectReply(executor: Executor, request: CodeRequest): Record<string, unknown> {
  const { code, at } = position(request);
  // tslab types this as always present; TypeScript returns undefined where there is nothing to say.
  const info = executor.inspect(code, at) as ReturnType<Executor['inspect']> | undefined;
  if (!info) return { status: 'ok', found: false, data: {}, metadata: {} };
  return { status: 'ok', found: true, data: { 'text/plain': printQuickInfo(info) }, metadata: {} };
}

export function isCompleteReply(request: { code: string }): Record<string, unknown> {
  const result = isCompleteCode(String(request.code ?? ''));
  return result.completed ? { status: 'complete' } : { status: 'incomplete', indent: result.indent ?? '' };
}

function position(request: CodeRequest): { code: string; at: number } {
  const code = String(request.code ?? '');
  const cursor = typeof request.cursor_pos === 'number' ? request.cursor_pos : [...code].length;
  return { code, at: utf16Offset(code, cursor) };
}

/** The UTF-16 offset of the `points`-th code point of `text`. */
export function utf16Offset(text: string, points: number): number {
  let offset = 0;
  for (let n = 0; n < points && offset < text.length; n++) offset += (text.codePointAt(offset) ?? 0) > 0xffff ? 2 : 1;
  return offset;
}

/** How many code points the first `offset` UTF-16 units of `text` hold. */
export function codePoints(text: string, offset: number): number {
  return [...text.slice(0, offset)].length;
}
