/**
 * Jupyter's wire protocol (messaging spec 5.3, "The Wire Protocol"): a message is the ZeroMQ
 * routing identities, the `<IDS|MSG>` delimiter, an HMAC signature, then the header, the parent
 * header, the metadata and the content, each serialized JSON, then optional raw buffers. The
 * signature is the HMAC (the connection file's `signature_scheme`, `hmac-sha256` by default) of
 * the four JSON frames under the connection file's `key`; an empty key means no signing.
 *
 * @example
 * ```ts
 * const codec = new WireCodec({ key: 'secret', signature_scheme: 'hmac-sha256' });
 * const frames = codec.encode({ identities: [], header: newHeader('status', 'session-1'), parent_header: {}, metadata: {}, content: { execution_state: 'idle' } });
 * codec.decode(frames).content; // { execution_state: 'idle' }
 * ```
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { userInfo } from 'node:os';

export const PROTOCOL_VERSION = '5.3';
const DELIMITER = Buffer.from('<IDS|MSG>');

/** The connection file Jupyter writes and passes as `{connection_file}`. */
export interface ConnectionInfo {
  transport: string;
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
}

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

/** A decoded message; `identities` route a reply back to the client that sent the request. */
export interface Message<Content = Record<string, unknown>> {
  identities: Buffer[];
  header: Header;
  /** The header of the request this message answers or belongs to; `{}` when none. */
  parent_header: Header | Record<string, never>;
  metadata: Record<string, unknown>;
  content: Content;
}

// Read once: os.userInfo() can throw where the uid has no passwd entry (some containers).
const USERNAME = (() => {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'kernel';
  }
})();

/** A fresh header: a unique id, this kernel's session, the time (ISO 8601 with zone). */
export function newHeader(msgType: string, session: string): Header {
  return { msg_id: randomUUID(), session, username: USERNAME, date: new Date().toISOString(), msg_type: msgType, version: PROTOCOL_VERSION };
}

export class WireCodec {
  readonly #key: Buffer;
  readonly #algorithm: string;

  constructor(connection: Pick<ConnectionInfo, 'key' | 'signature_scheme'>) {
    this.#key = Buffer.from(connection.key ?? '', 'utf8');
    const scheme = connection.signature_scheme || 'hmac-sha256';
    if (!scheme.startsWith('hmac-')) throw new Error(`unsupported signature_scheme ${JSON.stringify(scheme)} (expected hmac-<digest>)`);
    this.#algorithm = scheme.slice('hmac-'.length);
    this.#sign([]); // fails now, not on the first message, if Node lacks the digest
  }

  #sign(frames: Buffer[]): string {
    if (this.#key.length === 0) return '';
    const hmac = createHmac(this.#algorithm, this.#key);
    for (const frame of frames) hmac.update(frame);
    return hmac.digest('hex');
  }

  /** The frames to send: identities, delimiter, signature, the four JSON parts. */
  encode(message: Message<unknown>): Buffer[] {
    const parts = [message.header, message.parent_header, message.metadata, message.content].map((part) => Buffer.from(JSON.stringify(part), 'utf8'));
    return [...message.identities, DELIMITER, Buffer.from(this.#sign(parts), 'ascii'), ...parts];
  }

  /** Parses received frames; throws on a missing delimiter or a wrong signature (the message must be dropped). */
  decode(frames: Buffer[]): Message {
    const at = frames.findIndex((frame) => frame.equals(DELIMITER));
    if (at < 0 || frames.length < at + 6) throw new Error('malformed message: no <IDS|MSG> delimiter followed by a signature and four parts');
    const signature = (frames[at + 1] as Buffer).toString('ascii');
    const parts = frames.slice(at + 2, at + 6);
    const expected = this.#sign(parts);
    if (expected !== '' && !sameText(signature, expected)) throw new Error('message with an invalid signature dropped');
    const [header, parent, metadata, content] = parts.map((part) => JSON.parse(part.toString('utf8')) as unknown);
    return {
      identities: frames.slice(0, at),
      header: header as Header,
      parent_header: (parent ?? {}) as Header,
      metadata: (metadata ?? {}) as Record<string, unknown>,
      content: (content ?? {}) as Record<string, unknown>,
    };
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
