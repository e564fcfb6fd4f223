/** Options validated at a public function's edge; a bad one throws one line naming the function and the field. */
import type { z } from 'zod';
import { describeZodIssues } from './problems.js';

export function validateOptions<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new RangeError(`${where}: ${describeZodIssues(parsed.error.issues)}`);
  return parsed.data as z.output<S>;
}
