/**
 * A set of keys kept in 4 bytes each: a 32-bit hash (FNV-1a) per key, sorted. It never
 * forgets a key it was given; for another key it answers "maybe" with a probability of
 * size / 2³² (0.02 % at 1,000,000 keys). Fit where "maybe" costs a look-up and "no" saves
 * one: the contacts already stored, when an ingestion decides which rows to look up.
 */
export class KeyHashSet {
  private hashes = new Uint32Array(1024);
  private count = 0;
  private sorted = true;

  /** the distinct hashes held (keys whose hashes collide count once: ≈ n² / 2³³ of them) */
  get size(): number {
    this.sort();
    return this.count;
  }

  add(key: string): void {
    this.addHash(keyHash(key));
  }

  /** adds a key by its hash (`keyHash`), as the key register stores them */
  addHash(hash: number): void {
    this.reserve(1);
    this.hashes[this.count++] = hash;
    this.sorted = false;
  }

  /** adds every hash of `hashes` */
  addHashes(hashes: Uint32Array): void {
    this.reserve(hashes.length);
    this.hashes.set(hashes, this.count);
    this.count += hashes.length;
    this.sorted = false;
  }

  /** every hash held, sorted (a view: valid until the next add) */
  allHashes(): Uint32Array {
    this.sort();
    return this.hashes.subarray(0, this.count);
  }

  /** false: the key was never added; true: it probably was. */
  mayHave(key: string): boolean {
    this.sort();
    const wanted = keyHash(key);
    let low = 0;
    let high = this.count - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const at = this.hashes[middle] as number;
      if (at === wanted) return true;
      if (at < wanted) low = middle + 1;
      else high = middle - 1;
    }
    return false;
  }

  /** room for `more` hashes, doubling the array as often as needed */
  private reserve(more: number): void {
    if (this.count + more <= this.hashes.length) return;
    let length = this.hashes.length * 2;
    while (length < this.count + more) length *= 2;
    const grown = new Uint32Array(length);
    grown.set(this.hashes.subarray(0, this.count));
    this.hashes = grown;
  }

  /** sorts, and keeps each hash once (a key added twice, or by two objects of the register) */
  private sort(): void {
    if (this.sorted) return;
    const hashes = this.hashes.slice(0, this.count).sort();
    let distinct = 0;
    for (let i = 0; i < hashes.length; i++) {
      if (i === 0 || hashes[i] !== hashes[distinct - 1]) hashes[distinct++] = hashes[i] as number;
    }
    this.hashes = hashes;
    this.count = distinct;
    this.sorted = true;
  }
}

/** A key's 32-bit hash (FNV-1a over its UTF-16 code units). */
export function keyHash(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
