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

  get size(): number {
    return this.count;
  }

  add(key: string): void {
    if (this.count === this.hashes.length) {
      const grown = new Uint32Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[this.count++] = hashOf(key);
    this.sorted = false;
  }

  /** false: the key was never added; true: it probably was. */
  mayHave(key: string): boolean {
    if (!this.sorted) {
      this.hashes = this.hashes.slice(0, this.count).sort();
      this.sorted = true;
    }
    const wanted = hashOf(key);
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
}

function hashOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
