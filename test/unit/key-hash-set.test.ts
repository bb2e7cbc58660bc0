import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyHashSet, keyHash } from '#store/key-hash-set';

const key = (i: number, tag = 'k') => createHash('sha256').update(`${tag}${i}`).digest('hex');

describe('KeyHashSet (which stored contacts an ingestion looks up)', () => {
  it('never forgets a key it holds, across growth and further adds', () => {
    const set = new KeyHashSet();
    for (let i = 0; i < 5_000; i++) set.add(key(i));
    expect(set.size).toBe(5_000);
    for (let i = 0; i < 5_000; i++) expect(set.mayHave(key(i))).toBe(true);
    set.add('another');
    expect(set.mayHave('another')).toBe(true);
    expect(set.mayHave(key(4_999))).toBe(true);
  });

  it('says "maybe" to other keys about as rarely as size / 2³²', () => {
    const set = new KeyHashSet();
    for (let i = 0; i < 100_000; i++) set.add(key(i));
    let maybes = 0;
    for (let i = 0; i < 100_000; i++) if (set.mayHave(key(i, 'other'))) maybes++;
    // expected ≈ 100,000 × 100,000 / 2³² ≈ 2.3
    expect(maybes).toBeLessThan(20);
  });

  it('an empty set holds nothing', () => {
    expect(new KeyHashSet().mayHave(key(1))).toBe(false);
  });

  it('takes keys by their hashes (as the key register stores them), and counts each hash once', () => {
    const set = new KeyHashSet();
    set.add(key(1));
    set.addHashes(Uint32Array.from([keyHash(key(1)), keyHash(key(2)), keyHash(key(2))]));
    for (let i = 3; i < 3_000; i++) set.addHash(keyHash(key(i)));
    expect(set.size).toBe(2_999);
    for (let i = 1; i < 3_000; i++) expect(set.mayHave(key(i))).toBe(true);
    const hashes = set.allHashes();
    expect(hashes).toHaveLength(2_999);
    for (let i = 1; i < hashes.length; i++) expect(hashes[i]).toBeGreaterThan(hashes[i - 1] as number);
  });
});
