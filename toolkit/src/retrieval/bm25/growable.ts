/** Typed arrays that grow by doubling: compact append-only columns for the index builder. */
type TypedArray = Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;
type TypedArrayConstructor<T extends TypedArray> = new (length: number) => T;

export class Growable<T extends TypedArray> {
  private buffer: T;
  length = 0;

  /**
   * `limit`: the capacity doubling stops at (then it grows by 64Ki elements), so a column a caller
   * empties at `limit` elements never holds twice that.
   */
  constructor(private readonly make: TypedArrayConstructor<T>, capacity = 1024, private readonly limit = Infinity) {
    this.buffer = new make(Math.min(capacity, limit));
  }

  push(value: number): void {
    if (this.length === this.buffer.length) {
      const size = this.buffer.length;
      const bigger = new this.make(size < this.limit ? Math.min(size * 2, this.limit) : size + 65_536);
      bigger.set(this.buffer as never);
      this.buffer = bigger;
    }
    this.buffer[this.length++] = value;
  }

  at(i: number): number {
    return this.buffer[i] as number;
  }

  /** A view of the filled part (no copy); valid until the next push. */
  view(): T {
    return this.buffer.subarray(0, this.length) as T;
  }

  /** The filled part as an exactly sized array, and the spare capacity freed. */
  take(): T {
    const out = this.buffer.length === this.length ? this.buffer : (this.buffer.slice(0, this.length) as T);
    this.buffer = new this.make(Math.min(1024, this.limit));
    this.length = 0;
    return out;
  }

  /** Bytes held, spare capacity included. */
  get bytes(): number {
    return this.buffer.byteLength;
  }
}
