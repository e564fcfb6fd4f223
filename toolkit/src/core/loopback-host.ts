/**
 * The `Host` check of a server bound to loopback. A web page can make the browser send requests
 * to `127.0.0.1`, and through DNS rebinding (a name of the attacker's that first resolves to
 * their site, then to 127.0.0.1) even read the answers; the browser then still sends the
 * attacker's name as `Host`. So a loopback server answers only requests addressed to a loopback
 * name and its own port, as Jupyter's server does. A server bound to another address was opened
 * to the network on purpose (`--host`) and is reached under names this one cannot know.
 */

/** Loopback names a client may use for a loopback server. */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * Whether a bind address is loopback: `localhost`, `::1` or any of 127.0.0.0/8.
 *
 * @example
 * ```ts
 * isLoopbackAddress('127.0.0.1'); // true
 * isLoopbackAddress('0.0.0.0');   // false
 * ```
 */
export function isLoopbackAddress(host: string): boolean {
  const bare = host.toLowerCase().replace(/^\[(.*)\]$/u, '$1');
  return bare === 'localhost' || bare === '::1' || /^(::ffff:)?127(\.\d{1,3}){3}$/u.test(bare);
}

/**
 * Why a request's `Host` header is refused by a server bound to `boundHost`:`port`, or undefined
 * when it is accepted (always, for a server bound to a non-loopback address).
 *
 * @example
 * ```ts
 * refusedHost('localhost:8000', '127.0.0.1', 8000);    // undefined
 * refusedHost('evil.example:8000', '127.0.0.1', 8000); // 'Host evil.example:8000 is not …'
 * ```
 */
export function refusedHost(hostHeader: string | undefined, boundHost: string, port: number): string | undefined {
  if (!isLoopbackAddress(boundHost)) return undefined;
  const own = boundHost.includes(':') && !boundHost.startsWith('[') ? `[${boundHost}]` : boundHost;
  const names = [...new Set([...LOOPBACK_NAMES, own.toLowerCase()])];
  const accepted = new Set(names.map((name) => `${name}:${port}`));
  // A client leaves out the port when it is HTTP's default.
  if (port === 80) for (const name of names) accepted.add(name);
  const host = (hostHeader ?? '').trim().toLowerCase();
  if (accepted.has(host)) return undefined;
  const shown = hostHeader === undefined ? 'a request without a Host header' : `Host ${JSON.stringify(hostHeader)}`;
  return `${shown} is not this server's address: a server bound to loopback answers only ${names.map((name) => `${name}:${port}`).join(', ')}, so that web pages cannot reach it (DNS rebinding); to serve other hosts, start it with --host 0.0.0.0 (or the address clients use)`;
}
