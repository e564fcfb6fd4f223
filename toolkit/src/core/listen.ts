/**
 * Starting an HTTP server the way every s3lab server does (retrieval, LLM, reward): on a host and
 * port (0 picks a free one), resolving once it listens, rejecting on a bind error (port taken).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

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
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
}
