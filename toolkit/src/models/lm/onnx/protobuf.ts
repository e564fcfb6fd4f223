/**
 * The few protocol-buffer encodings an ONNX model needs, written by hand so that a model graph
 * can be built in memory without a protobuf dependency: varints (int32/int64/enums, negative
 * numbers as ten-byte two's complement), fixed32 floats, length-delimited bytes, strings and
 * nested messages. Arrays of numbers go as bytes (ONNX's `raw_data`), not as packed repeated
 * fields: the same wire format for a float array, without a per-value encoding loop.
 *
 * A message is kept as a list of byte chunks and its length, and copied once at the end
 * (`bytes()`): a nested message's length prefix must be known before its bytes, and the weights
 * (megabytes of raw tensor data) are referenced, not copied, until then.
 *
 * @example
 * ```ts
 * const inner = new ProtoWriter().varint(1, 150);
 * const bytes = new ProtoWriter().string(1, 'name').message(2, inner).bytes();
 * ```
 */

/** Wire types of the protobuf encoding. */
const VARINT = 0;
const FIXED32 = 5;
const LENGTH_DELIMITED = 2;

export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  /** Small values are encoded into a scratch buffer and flushed as one chunk. */
  private scratch = new Uint8Array(256);
  private used = 0;

  /** Bytes written so far (the message's encoded length). */
  get length(): number {
    return this.size;
  }

  /** An integer field (int32, int64, enum, bool as 0/1). */
  varint(field: number, value: number): this {
    this.key(field, VARINT);
    this.rawVarint(value);
    return this;
  }

  /** A `float` field (fixed32, little-endian). */
  float(field: number, value: number): this {
    this.key(field, FIXED32);
    this.reserve(4);
    new DataView(this.scratch.buffer, this.scratch.byteOffset + this.used, 4).setFloat32(0, value, true);
    this.used += 4;
    this.size += 4;
    return this;
  }

  /** A `string` field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytesField(field, new TextEncoder().encode(value));
  }

  /** A `bytes` field; the data is referenced, not copied, until `bytes()`. */
  bytesField(field: number, data: Uint8Array): this {
    this.key(field, LENGTH_DELIMITED);
    this.rawVarint(data.length);
    this.push(data);
    return this;
  }

  /** A nested message field. */
  message(field: number, inner: ProtoWriter): this {
    this.key(field, LENGTH_DELIMITED);
    this.rawVarint(inner.length);
    inner.flush();
    for (const chunk of inner.chunks) this.push(chunk);
    return this;
  }

  /** The encoded message, in one buffer. */
  bytes(): Uint8Array {
    this.flush();
    if (this.chunks.length === 1) return this.chunks[0] as Uint8Array;
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  private key(field: number, wireType: number): void {
    this.rawVarint(field * 8 + wireType);
  }

  /** Base-128 varint; a negative number is its 64-bit two's complement (ten bytes), as protobuf's int64. */
  private rawVarint(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`protobuf varint: ${value} is not a safe integer`);
    this.reserve(10);
    if (value >= 0) {
      let v = value;
      while (v >= 0x80) {
        this.scratch[this.used++] = (v % 0x80) | 0x80;
        this.size++;
        v = Math.floor(v / 0x80);
      }
      this.scratch[this.used++] = v;
      this.size++;
      return;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    for (let i = 0; i < 10; i++) {
      const low = Number(v & 0x7fn);
      v >>= 7n;
      this.scratch[this.used++] = v === 0n ? low : low | 0x80;
      this.size++;
      if (v === 0n) break;
    }
  }

  private reserve(bytes: number): void {
    if (this.used + bytes > this.scratch.length) this.flush();
  }

  private push(chunk: Uint8Array): void {
    this.flush();
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  /** Moves the scratch bytes into the chunk list. */
  private flush(): void {
    if (this.used === 0) return;
    this.chunks.push(this.scratch.slice(0, this.used));
    this.scratch = new Uint8Array(256);
    this.used = 0;
  }
}
