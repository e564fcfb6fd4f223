import type { z } from 'zod';
import { UsageError } from './usage-error.js';

/** Validates a command's options with zod; a bad value becomes one clear line naming the option. */
export function parseOptions<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  // Options as the user typed them: commander camel-cases `--vocab-size` into `vocabSize`.
  const flag = (path: PropertyKey[]): string => `--${path.join('.').replace(/[A-Z]/gu, (c) => `-${c.toLowerCase()}`)}`;
  const problems = result.error.issues.map((issue) => `${flag(issue.path)}: ${issue.message}`);
  throw new UsageError(`invalid option ${problems.join('; ')}`);
}
