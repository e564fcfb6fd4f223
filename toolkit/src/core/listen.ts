/**
 * Starting an HTTP server the way every s3lab server does (retrieval, LLM, reward): on a host and
 * port (0 picks a free one), resolving once it listens, rejecting on a bind error (port taken,
 * address not on this machine, no permission) with an InputError naming host:port and why.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InputError } from './input-error.js';

/** Why an address cannot be bound, by errno code: each is the host or port the user chose. */
const BIND_FAILURES: Record<string, string> = {
  EADDRINUSE: 'the port is in use by another process (pick another port, or 0 for a free one)',
  EADDRNOTAVAIL: 'no network interface of this machine has that address (use 127.0.0.1, or 0.0.0.0 for every interface)',
  EACCES: 'permission denied (ports below 1024 need privileges; pick a port from 1024 up, or 0)',
  EPERM: 'operation not permitted',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve (temporary DNS failure)',
  EAFNOSUPPORT: 'this machine does not support that address family',
  EINVAL: 'not an address that can be bound',
};

/**
 * Listens and returns the server's base URL (an IPv6 host in brackets).
 *
 * @example
 * ```ts
 * const url = await listen(createServer(handler), '127.0.0.1', 0); // 'http://127.0.0.1:41234'
 * ```
 */
export async function listen(server: Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(bindError(error, host, port)));
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
}

/** A bind failure as an {@link InputError} naming host:port and the reason; other errors pass unchanged. */
function bindError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  const reason = error.code === undefined ? undefined : BIND_FAILURES[error.code];
  if (reason === undefined) return error;
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new InputError(`cannot listen on ${address}: ${reason} (${error.code})`, { cause: error });
}
