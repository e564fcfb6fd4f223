/**
 * Spotting a repeated key (a passage or question id) in a stream of millions with bounded memory:
 * wiki-18 has 21M passages, and a `Set` of 21M strings costs about 1.5 GB. Two typed-array
 * structures instead:
 *
 * - ids that are small decimal integers (wiki-18's "1" … "21015324", the lab world's) are bits in
 *   a bitset indexed by the number: exact, 1 bit per possible id, 2.6 MB for wiki-18 (the bitset
 *   stops at {@link MAX_BITSET_ID}: 16 MiB);
 * - any other id is a 64-bit hash in an open-addressing table of two Uint32Arrays: 8 bytes a slot,
 *   at most 3/4 full, so 21M such ids take 256 MiB (2^25 slots) and 1M take 16 MiB.
 *
 * A hash can collide (for 21M ids, a chance of about 1 in 80,000 that any two do), so a repeat
 * found by hash is only a suspicion: the caller confirms it on the data (see `RecordStream`)
 * before reporting it. A bitset repeat is certain.
 */

/** Ids up to this value (2^27) go to the bitset: 16 MiB at most. */
export const MAX_BITSET_ID = 2 ** 27;

const SMALL_DECIMAL = /^(?:0|[1-9][0-9]{0,8})$/u;
const INITIAL_SLOTS = 1 << 10;

/** What {@link UniqueKeys.add} found: a new key, a certain repeat, or a hash match to confirm. */
export type Sighting = 'new' | 'repeat' | 'suspect';

/**
 * A set of string keys that answers "seen before?" in O(1), using the memory described above.
 *
 * @example
 * ```ts
 * const ids = new UniqueKeys();
 * ids.add('12'); // 'new'
 * ids.add('12'); // 'repeat' (certain: a bitset)
 * ids.add('doc-a'); // 'new'
 * ids.add('doc-a'); // 'suspect' (a 64-bit hash matched: confirm before reporting)
 * ```
 */
export class UniqueKeys {
  private bits = new Uint8Array(0);
  private hashes = new Uint32Array(2 * INITIAL_SLOTS);
  private used = 0;

  /** Adds `key`; says whether it was new, certainly seen before, or probably seen before. */
  add(key: string): Sighting {
    if (SMALL_DECIMAL.test(key)) {
      const id = Number(key);
      if (id < MAX_BITSET_ID) return this.addBit(id);
    }
    return this.addHash(key);
  }

  private addBit(id: number): Sighting {
    const byte = id >>> 3;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.min(MAX_BITSET_ID / 8, Math.max(1024, 2 ** Math.ceil(Math.log2(byte + 1)))));
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (id & 7);
    if (this.bits[byte]! & mask) return 'repeat';
    this.bits[byte]! |= mask;
    return 'new';
  }

  private addHash(key: string): Sighting {
    const high = hashHigh(key);
    let low = hashLow(key);
    // (0, 0) marks an empty slot.
    if (high === 0 && low === 0) low = 1;
    if (this.used + 1 > (this.slots() * 3) / 4) this.grow();
    if (!this.insert(high, low)) return 'suspect';
    this.used++;
    return 'new';
  }

  private slots(): number {
    return this.hashes.length / 2;
  }

  /** Linear probing; false when the hash is already there. */
  private insert(high: number, low: number): boolean {
    const mask = this.slots() - 1;
    for (let slot = low & mask; ; slot = (slot + 1) & mask) {
      const h = this.hashes[2 * slot]!;
      const l = this.hashes[2 * slot + 1]!;
      if (h === 0 && l === 0) {
        this.hashes[2 * slot] = high;
        this.hashes[2 * slot + 1] = low;
        return true;
      }
      if (h === high && l === low) return false;
    }
  }

  private grow(): void {
    const old = this.hashes;
    this.hashes = new Uint32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] !== 0 || old[i + 1] !== 0) this.insert(old[i]!, old[i + 1]!);
    }
  }
}

// Two independent 32-bit hashes of the UTF-16 code units (FNV-1a and a Murmur-style mix, each
// finished with Murmur3's avalanche) make the 64-bit hash.
function hashHigh(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return finish(h ^ key.length);
}

function hashLow(key: string): number {
  let h = 0x9747b28c;
  for (let i = 0; i < key.length; i++) {
    let k = Math.imul(key.charCodeAt(i), 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  return finish(h ^ key.length);
}

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
