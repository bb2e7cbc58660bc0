import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ConsentProof } from '#domain/contact';
import {
  buildDigest,
  ChainVerifier,
  canonicalJson,
  chainEntries,
  chainFor,
  consentProofDigest,
  digestCheckpoints,
  digestIntact,
  digestKey,
  entryHash,
  GENESIS_HASH,
  importedContactsOf,
  LEDGER_CHAINS,
  type LedgerEntry,
  type LedgerEntryInput,
  ledgerChains,
  listSubject,
  manifestDigest,
  normaliseLedgerInput,
  verifyChain,
} from '#domain/ledger';

const input = (n: number, subject = `k${n}`): LedgerEntryInput => ({
  type: 'contact-imported',
  at: `2026-10-05T08:00:${String(n % 60).padStart(2, '0')}.000Z`,
  subject,
  payload: { listId: 'salon-batimat-2026', line: n + 2 },
});

const chainOf = (count: number, chain = 'c0'): LedgerEntry[] =>
  chainEntries(
    chain,
    { lastSeq: 0, lastHash: GENESIS_HASH },
    Array.from({ length: count }, (_, i) => input(i)),
  );

describe('canonicalJson', () => {
  it.each([
    [{ b: 1, a: [2, { d: null, c: 'x' }] }, '{"a":[2,{"c":"x","d":null}],"b":1}'],
    [{ z: undefined, y: true }, '{"y":true}'],
    [[undefined, 1], '[null,1]'],
    ['é"\n', '"é\\"\\n"'],
    [1.5e-7, '1.5e-7'],
    [{ at: new Date('2026-01-01T00:00:00.000Z') }, '{"at":"2026-01-01T00:00:00.000Z"}'],
  ])('%j → %s', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('does not depend on key order', () => {
    expect(canonicalJson({ a: 1, b: { c: 2, d: 3 } })).toBe(canonicalJson({ b: { d: 3, c: 2 }, a: 1 }));
  });

  it.each([[Number.NaN], [Number.POSITIVE_INFINITY], [10n], [() => 1]])('refuses %s', (value) => {
    expect(() => canonicalJson({ value })).toThrow(/canonicalJson/);
  });
});

describe('entryHash', () => {
  const entry = chainOf(1)[0] as LedgerEntry;

  it('is sha256 hex of the chained fields only', () => {
    const { hash, ...unhashed } = entry;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(entryHash({ ...unhashed, extra: 'store attribute' } as typeof unhashed)).toBe(hash);
  });

  it('is the sha256 of the canonical JSON of those fields, with the payload as given or as precomputed', () => {
    const { hash, ...unhashed } = entry;
    const { chain, seq, type, at, subject, payload, prevHash } = unhashed;
    const byDefinition = createHash('sha256')
      .update(canonicalJson({ chain, seq, type, at, subject, payload, prevHash }))
      .digest('hex');
    expect(hash).toBe(byDefinition);
    expect(entryHash(unhashed, canonicalJson(payload))).toBe(byDefinition);
  });

  it.each([
    ['payload', { payload: { listId: 'salon-batimat-2026', line: 3 } }],
    ['type', { type: 'contact-purged' as const }],
    ['at', { at: '2026-10-05T08:00:01.000Z' }],
    ['subject', { subject: 'k9' }],
    ['seq', { seq: 2 }],
    ['chain', { chain: 'c1' }],
    ['prevHash', { prevHash: 'f'.repeat(64) }],
  ])('changes when %s changes', (_, change) => {
    const { hash, ...unhashed } = entry;
    expect(entryHash({ ...unhashed, ...change })).not.toBe(hash);
  });
});

describe('chains', () => {
  it('a subject always goes to the same one of the LEDGER_CHAINS chains, and subjects spread', () => {
    expect(chainFor('abc')).toBe(chainFor('abc'));
    const used = new Set(Array.from({ length: 200 }, (_, i) => chainFor(`subject-${i}`)));
    expect([...used].sort()).toEqual(ledgerChains().sort());
    expect(ledgerChains()).toHaveLength(LEDGER_CHAINS);
    expect(listSubject('salon-batimat-2026')).toBe('list#salon-batimat-2026');
  });

  it('chainEntries continues after a head', () => {
    const first = chainOf(3);
    const more = chainEntries('c0', { lastSeq: 3, lastHash: (first[2] as LedgerEntry).hash }, [input(3)]);
    expect(more[0]?.seq).toBe(4);
    expect(verifyChain([...first, ...more])).toEqual({ ok: true, count: 4, head: more[0]?.hash });
  });
});

describe('verifyChain names the first broken entry', () => {
  const chain = chainOf(6);
  const at = (i: number) => chain[i] as LedgerEntry;

  it('an untouched chain verifies, an empty one too', () => {
    expect(verifyChain(chain)).toEqual({ ok: true, count: 6, head: at(5).hash });
    expect(verifyChain([])).toEqual({ ok: true, count: 0 });
  });

  it.each<[string, () => LedgerEntry[], { seq: number; problem: string }]>([
    [
      'payload edited',
      () => chain.map((e, i) => (i === 2 ? { ...e, payload: { ...e.payload, line: 999 } } : e)),
      { seq: 3, problem: 'hash-mismatch' },
    ],
    [
      'payload edited and its hash recomputed',
      () =>
        chain.map((e, i) => {
          if (i !== 2) return e;
          const { hash: _, ...rest } = { ...e, payload: { line: 999 } };
          return { ...rest, hash: entryHash(rest) };
        }),
      { seq: 4, problem: 'broken-link' },
    ],
    ['middle entry deleted', () => chain.filter((_, i) => i !== 3), { seq: 4, problem: 'gap' }],
    ['first entry deleted', () => chain.slice(1), { seq: 1, problem: 'gap' }],
    ['two entries reordered', () => [at(0), at(1), at(3), at(2), at(4), at(5)], { seq: 3, problem: 'out-of-order' }],
    ['an entry repeated', () => [at(0), at(1), at(2), at(1), at(3)], { seq: 2, problem: 'out-of-order' }],
    [
      'prevHash rewritten',
      () => chain.map((e, i) => (i === 4 ? { ...e, prevHash: GENESIS_HASH } : e)),
      { seq: 5, problem: 'broken-link' },
    ],
  ])('%s', (_, tamper, expected) => {
    expect(verifyChain(tamper())).toEqual({ ok: false, chain: 'c0', ...expected });
  });

  it('checks interleaved chains each on its own', () => {
    const other = chainOf(2, 'c1');
    expect(verifyChain([at(0), other[0] as LedgerEntry, at(1), other[1] as LedgerEntry])).toEqual({
      ok: true,
      count: 4,
    });
    const broken = [at(0), other[0] as LedgerEntry, { ...(other[1] as LedgerEntry), subject: 'kx' }];
    expect(verifyChain(broken)).toEqual({ ok: false, chain: 'c1', seq: 2, problem: 'hash-mismatch' });
  });
});

describe('ChainVerifier against digests and the head pointer', () => {
  const chain = chainOf(5);
  const run = (
    entries: LedgerEntry[],
    checkpoints: Map<number, string>,
    head?: { seq: number; hash: string } | null,
  ) => {
    const verifier = new ChainVerifier('c0', checkpoints);
    for (const e of entries) if (verifier.push(e)) break;
    return verifier.finish(head);
  };
  const last = chain[4] as LedgerEntry;

  it('a chain matching its checkpoints and head verifies', () => {
    expect(run(chain, new Map([[3, (chain[2] as LedgerEntry).hash]]), { seq: 5, hash: last.hash })).toEqual({
      ok: true,
      count: 5,
      head: last.hash,
    });
  });

  it('entries cut after a digest → truncated at the first missing seq', () => {
    expect(run(chain.slice(0, 3), new Map([[5, last.hash]]), { seq: 3, hash: (chain[2] as LedgerEntry).hash })).toEqual(
      {
        ok: false,
        chain: 'c0',
        seq: 4,
        problem: 'truncated',
      },
    );
  });

  it('a rewritten chain → digest-mismatch at the locked seq', () => {
    expect(run(chain, new Map([[4, 'f'.repeat(64)]]), { seq: 5, hash: last.hash })).toMatchObject({
      seq: 4,
      problem: 'digest-mismatch',
    });
  });

  it('the head pointer beyond the last entry → truncated; disagreeing → head-mismatch; missing → head-mismatch', () => {
    expect(run(chain.slice(0, 4), new Map(), { seq: 5, hash: last.hash })).toMatchObject({
      seq: 5,
      problem: 'truncated',
    });
    expect(run(chain, new Map(), { seq: 5, hash: GENESIS_HASH })).toMatchObject({ seq: 5, problem: 'head-mismatch' });
    expect(run(chain, new Map(), null)).toMatchObject({ seq: 5, problem: 'head-mismatch' });
    expect(run([], new Map(), null)).toEqual({ ok: true, count: 0 });
  });
});

describe('digests', () => {
  const now = new Date('2026-10-06T02:00:00.000Z');
  const digest = buildDigest(now, { c0: { seq: 5, hash: 'a'.repeat(64) }, c1: { seq: 0, hash: GENESIS_HASH } });

  it('carries its own hash, which detects any change', () => {
    expect(digestIntact(digest)).toBe(true);
    expect(digestIntact({ ...digest, heads: { ...digest.heads, c0: { seq: 4, hash: 'a'.repeat(64) } } })).toBe(false);
    expect(digestIntact({ ...digest, at: '2026-10-07T02:00:00.000Z' })).toBe(false);
  });

  it('is keyed by UTC day and instant under the prefix', () => {
    expect(digestKey('ledger-digests/', now)).toBe('ledger-digests/2026-10-06/2026-10-06T02:00:00.000Z.json');
  });

  it('gives per-chain checkpoints from every digest (empty chains give none)', () => {
    const later = buildDigest(new Date('2026-10-07T02:00:00.000Z'), { c0: { seq: 9, hash: 'b'.repeat(64) } });
    const checkpoints = digestCheckpoints([digest, later]);
    expect([...(checkpoints.get('c0') ?? [])]).toEqual([
      [5, 'a'.repeat(64)],
      [9, 'b'.repeat(64)],
    ]);
    expect(checkpoints.has('c1')).toBe(false);
  });
});

describe('proof and manifest digests', () => {
  const proof: ConsentProof = {
    mechanism: 'unticked-checkbox',
    wordingVersion: 'v3',
    collectionPoint: 'https://acme.fr/salon',
    scope: 'advertiser',
    namedPartners: [],
    consentAt: '2026-10-02T10:00:00.000Z',
    listId: 'salon-batimat-2026',
  };

  it('consentProofDigest is stable under key order and changes with the proof', () => {
    const reordered = Object.fromEntries(Object.entries(proof).reverse()) as unknown as ConsentProof;
    expect(consentProofDigest(reordered)).toBe(consentProofDigest(proof));
    expect(consentProofDigest({ ...proof, wordingVersion: 'v4' })).not.toBe(consentProofDigest(proof));
  });

  it('manifestDigest: bytes as uploaded, text and the parsed object give one digest', () => {
    const manifest = { version: 1, listId: 'salon-batimat-2026', channels: ['email'] };
    const bytes = new TextEncoder().encode(JSON.stringify(manifest, null, 2));
    expect(manifestDigest(bytes)).toBe(manifestDigest(manifest));
    expect(manifestDigest(JSON.stringify(manifest))).toBe(manifestDigest(manifest));
    expect(manifestDigest('{not json')).toMatch(/^[0-9a-f]{64}$/);
    expect(manifestDigest('{not json')).not.toBe(manifestDigest('{not json!'));
  });
});

describe('normaliseLedgerInput: no personal data in the ledger (rules.md §8)', () => {
  it.each([
    ['an email address', { note: 'Jean.Dupont@gmail.com' }, 'note'],
    ['a nested E.164 number', { rows: [{ to: '+33612345678' }] }, 'rows[0].to'],
    ['a French mobile number', { phone: '06 12 34 56 78' }, 'phone'],
  ])('refuses %s, naming the field without the value', (_, payload, field) => {
    const attempt = () => normaliseLedgerInput({ ...input(1), payload });
    expect(attempt).toThrow(`payload field '${field}' looks like an address or a phone number`);
    expect(attempt).not.toThrow(/dupont|612345678|12 34/i);
  });

  it('accepts keys, codes, hashes, counts, dates', () => {
    const payload = {
      suppressionKey: 'ab'.repeat(32),
      reasons: ['NO_CONSENT'],
      rows: { total: 1200 },
      at: '2026-10-05',
      campaignId: 'printemps-2027',
    };
    expect(normaliseLedgerInput({ ...input(1), payload }).payload).toEqual(payload);
  });

  it.each([
    ['an unknown type', { type: 'contact-loved' }],
    ['a bad instant', { at: 'yesterday' }],
    ['an empty subject', { subject: '' }],
    ['an address as subject', { subject: 'jean@acme.fr' }],
    ['a payload that is not an object', { payload: [1] }],
  ])('refuses %s', (_, change) => {
    expect(() => normaliseLedgerInput({ ...input(1), ...change } as LedgerEntryInput)).toThrow(/ledger entry/);
  });

  it('drops undefined members, as they would be stored', () => {
    expect(normaliseLedgerInput({ ...input(1), payload: { a: 1, b: undefined } }).payload).toEqual({ a: 1 });
  });
});

describe('importedContactsOf: whom a contact-imported entry names', () => {
  it.each([
    [
      { type: 'contact-imported', payload: { listId: 'l', contacts: [{ k: 'a', consent: 'd' }, { k: 'b' }] } },
      ['a', 'b'],
    ],
    [{ type: 'contact-imported', payload: { listId: 'l' } }, []],
    [{ type: 'opposition-recorded', payload: { contacts: [{ k: 'a' }] } }, []],
  ] as const)('%j → %j', (entry, keys) => {
    expect(importedContactsOf(entry as never).map((c) => c.k)).toEqual(keys);
  });
});
