import type { z } from 'zod';
import { UsageError } from './usage-error.js';

/** Validates a command's options with zod; a bad value becomes one clear line naming the option. */
export function parseOptions<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`);
  throw new UsageError(`invalid option ${problems.join('; ')}`);
}
