/**
 * The flags every `s3lab serve …` command shares: the address to bind (and what loopback means
 * for who may call), and how much work the server takes at once. One place, so the retriever,
 * LLM and reward servers explain them the same way; each server's defaults live with the server.
 *
 * @example
 * ```ts
 * addServerFlags(command, DEFAULT_REWARD_SERVER_LIMITS);
 * const Options = z.object({ ...serverFlagsSchema, port: … });
 * ```
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { DEFAULT_HOST } from '../core/json-server.js';

const HOST_HELP = 'address to bind. On loopback (the default) the server answers only requests addressed to 127.0.0.1, localhost or [::1] '
  + 'with its port (403 otherwise), so web pages cannot reach it; 0.0.0.0 opens it to the network and to any Host';

/**
 * Adds `--host`, `--max-in-flight` and `--max-queue` with the server's defaults.
 *
 * @example
 * ```ts
 * addServerFlags(serve.command('retriever'), DEFAULT_SERVER_LIMITS);
 * ```
 */
export function addServerFlags(command: Command, defaults: { maxInFlight: number; maxQueue: number }): Command {
  return command
    .option('--host <address>', HOST_HELP, DEFAULT_HOST)
    .option('--max-in-flight <n>', 'requests worked on at once', String(defaults.maxInFlight))
    .option('--max-queue <n>', 'requests waiting for a turn; beyond them a request is refused at once with 503 and Retry-After', String(defaults.maxQueue));
}

/** The zod fields of the flags `addServerFlags` adds. */
export const serverFlagsSchema = {
  host: z.string().min(1),
  maxInFlight: z.coerce.number().int().min(1).max(100_000),
  maxQueue: z.coerce.number().int().min(0).max(1_000_000),
};
