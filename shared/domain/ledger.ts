/**
 * The evidence ledger (rules.md §8): every list decision, consent proof, opposition,
 * purge and erasure is an entry holding the hash of the entry before it and its own
 * hash over a canonical JSON form, so a verifier can recompute the chain and name the
 * first broken link. Pure: no AWS, no clock (`at` comes from the caller).
 *
 * Parallel chains merged by a periodic digest (issue 8): entries are spread over
 * LEDGER_CHAINS independent chains by a hash of their subject, so heavy ingestion does
 * not queue behind one hot sequence, and one subject's entries always share one chain
 * (they stay in order). The daily digest records every chain's head (seq + hash) in an
 * Object-Locked bucket prefix: rewriting or cutting a chain after a digest no longer
 * matches what the digest locked in.
 */
import { createHash } from 'node:crypto';
import type { ConsentProof } from './contact.ts';

export const LEDGER_ENTRY_TYPES = [
  'list-received',
  'list-accepted',
  'list-rejected',
  'list-quarantined',
  'contact-imported',
  'opposition-recorded',
  'contact-solicited',
  'contact-purged',
  'ttl-receipt',
  'dsr-export',
  'dsr-erasure',
  // rules.md §7b: the person withdrew their consent to the measurement of opens and clicks
  'tracking-withdrawn',
] as const;
export type LedgerEntryType = (typeof LEDGER_ENTRY_TYPES)[number];

/** What a writer appends. */
export interface LedgerEntryInput {
  type: LedgerEntryType;
  /** ISO instant of the fact recorded */
  at: string;
  /** a suppression key, or `list#<listId>` (see listSubject) */
  subject: string;
  /** no personal data (rules.md §8): keys, codes, hashes, counts */
  payload: Record<string, unknown>;
}

/** An entry as chained and stored. */
export interface LedgerEntry extends LedgerEntryInput {
  chain: string;
  /** 1, 2, 3… within the chain */
  seq: number;
  /** hash of the entry before in the chain; GENESIS_HASH for seq 1 */
  prevHash: string;
  /** entryHash of this entry */
  hash: string;
}

/**
 * Number of parallel chains. Never lower it: a chain a verifier no longer lists would go
 * unchecked (verifyLedger also checks every chain a digest names, as a safety net).
 */
export const LEDGER_CHAINS = 8;

/** prevHash of the first entry of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** The ledger subject of a list's decisions. */
export function listSubject(listId: string): string {
  return `list#${listId}`;
}

/** Every chain name, in verification order. */
export function ledgerChains(): string[] {
  return Array.from({ length: LEDGER_CHAINS }, (_, i) => `c${i}`);
}

/** The chain a subject's entries go to: stable, so a subject's history stays in one ordered chain. */
export function chainFor(subject: string): string {
  const digest = createHash('sha256').update(subject).digest();
  return `c${digest.readUInt32BE(0) % LEDGER_CHAINS}`;
}

/**
 * JSON with object keys sorted (by UTF-16 code units), no whitespace; `undefined` object
 * members are dropped as JSON.stringify drops them. Refuses what JSON cannot carry back
 * unchanged (NaN, Infinity, bigint, functions), so the stored form hashes the same.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('canonicalJson: non-finite number');
    return JSON.stringify(value);
  }
  // strings built in place: the import evidence canonicalises ≈ 100,000 small objects a list
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      out += `${i ? ',' : ''}${v === undefined ? 'null' : canonicalJson(v)}`;
    }
    return `${out}]`;
  }
  if (typeof value === 'object') {
    const withToJson = value as { toJSON?: () => unknown };
    if (typeof withToJson.toJSON === 'function') return canonicalJson(withToJson.toJSON());
    let out = '';
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out += `${out ? ',' : ''}${JSON.stringify(k)}:${canonicalJson(v)}`;
    }
    return `{${out}}`;
  }
  throw new Error(`canonicalJson: cannot encode a ${typeof value}`);
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * sha256 (hex) over the canonical JSON of exactly the chained fields: attributes a store
 * adds around an entry never change its hash.
 */
export function entryHash(entry: Omit<LedgerEntry, 'hash'>, payloadJson = canonicalJson(entry.payload)): string {
  const { chain, seq, type, at, subject, prevHash } = entry;
  // canonicalJson({ chain, seq, type, at, subject, payload, prevHash }), keys in order,
  // with the payload's canonical JSON as the caller may already hold it
  return sha256Hex(
    `{"at":${canonicalJson(at)},"chain":${canonicalJson(chain)},"payload":${payloadJson},"prevHash":${canonicalJson(prevHash)},"seq":${canonicalJson(seq)},"subject":${canonicalJson(subject)},"type":${canonicalJson(type)}}`,
  );
}

/** sha256 (hex) of a JSON value's canonical form: the same value always gives the same digest. */
export function jsonDigest(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

/** One contact a `contact-imported` entry names: its key, and its consent-proof digest. */
export interface ImportedContact {
  k: string;
  consent?: string;
}

/**
 * The contacts a `contact-imported` entry names (payload `{ listId, contacts }`); none for
 * any other entry. The import evidence of a list is also the list of whom it brought.
 */
export function importedContactsOf(entry: Pick<LedgerEntryInput, 'type' | 'payload'>): ImportedContact[] {
  if (entry.type !== 'contact-imported') return [];
  const contacts = (entry.payload as { contacts?: unknown }).contacts;
  return Array.isArray(contacts) ? (contacts as ImportedContact[]) : [];
}

/** Digest of a consent proof, as a `contact-imported` entry records it (rules.md §4 R7). */
export function consentProofDigest(proof: ConsentProof): string {
  return jsonDigest(proof);
}

/**
 * Digest of a provenance manifest: sha256 of its canonical JSON, so the bytes as uploaded
 * and the object as stored give the same digest. Bytes that are not JSON (a manifest
 * rejected as MANIFEST_INVALID) are hashed as they are.
 */
export function manifestDigest(manifest: Uint8Array | string | Record<string, unknown>): string {
  if (typeof manifest === 'object' && !(manifest instanceof Uint8Array)) return sha256Hex(canonicalJson(manifest));
  const text = typeof manifest === 'string' ? manifest : Buffer.from(manifest).toString('utf8');
  try {
    return sha256Hex(canonicalJson(JSON.parse(text)));
  } catch {
    return sha256Hex(typeof manifest === 'string' ? Buffer.from(manifest, 'utf8') : manifest);
  }
}

// rules.md §8: entries hold suppression keys, never addresses. A guard against a writer's slip.
const EMAIL_LIKE = /[^\s@]@[^\s@]+\.[^\s@]/;
const PHONE_LIKE = /^(?:\+\d{8,15}|0\d{9})$/;

function personalDataPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') {
    const compact = value.replace(/[\s.-]/g, '');
    return EMAIL_LIKE.test(value) || PHONE_LIKE.test(compact) ? path || '(value)' : undefined;
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = personalDataPath(v, `${path}[${i}]`);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = personalDataPath(v, path ? `${path}.${k}` : k);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Checks an input and returns it in the exact form that is hashed and stored (payload
 * through canonical JSON). Throws on misuse: the message names the field, never its value.
 */
export function normaliseLedgerInput(input: LedgerEntryInput): LedgerEntryInput {
  if (!(LEDGER_ENTRY_TYPES as readonly string[]).includes(input.type)) {
    throw new Error(`ledger entry: unknown type '${String(input.type).slice(0, 40)}'`);
  }
  if (typeof input.at !== 'string' || Number.isNaN(Date.parse(input.at)))
    throw new Error('ledger entry: at is not an ISO instant');
  if (typeof input.subject !== 'string' || input.subject.length === 0)
    throw new Error('ledger entry: subject is empty');
  if (personalDataPath(input.subject, 'subject'))
    throw new Error('ledger entry: subject looks like an address or a phone number');
  if (!input.payload || typeof input.payload !== 'object' || Array.isArray(input.payload)) {
    throw new Error('ledger entry: payload is not an object');
  }
  const found = personalDataPath(input.payload, '');
  if (found) throw new Error(`ledger entry: payload field '${found}' looks like an address or a phone number`);
  const payload = JSON.parse(canonicalJson(input.payload)) as Record<string, unknown>;
  return { type: input.type, at: input.at, subject: input.subject, payload };
}

/** Chains inputs after a head: seq lastSeq+1…, each entry linked to the one before. */
export function chainEntries(
  chain: string,
  head: { lastSeq: number; lastHash: string },
  inputs: readonly LedgerEntryInput[],
  /** each input's payload as canonical JSON, when the caller has it already */
  payloadsJson?: readonly string[],
): LedgerEntry[] {
  let seq = head.lastSeq;
  let prevHash = head.lastHash;
  return inputs.map((input, i) => {
    seq += 1;
    const unhashed = { ...input, chain, seq, prevHash };
    const hash = entryHash(unhashed, payloadsJson?.[i]);
    prevHash = hash;
    return { ...unhashed, hash };
  });
}

export type ChainProblem = 'hash-mismatch' | 'broken-link' | 'gap' | 'out-of-order';
/**
 * Beyond the chain itself: `truncated` (a digest or the head pointer names entries that
 * are gone), `digest-mismatch` (the entry at a digest's head seq has another hash),
 * `head-mismatch` (the head pointer disagrees with the last entry), `digest-corrupt`
 * (a digest file whose own hash does not match).
 */
export type LedgerProblem = ChainProblem | 'truncated' | 'digest-mismatch' | 'head-mismatch' | 'digest-corrupt';

export interface ChainBreak<P extends string = LedgerProblem> {
  ok: false;
  chain: string;
  seq: number;
  problem: P;
}

/** A head as the digest and the head pointer record it. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/**
 * Verifies one chain entry by entry (a chain may be too long to hold in memory), in
 * seq order. `checkpoints`: seq → hash that must be found there (from the digests).
 * The first problem sticks; later entries are ignored.
 */
export class ChainVerifier {
  private expectedSeq = 1;
  private prevHash = GENESIS_HASH;
  private broken: ChainBreak | undefined;
  private readonly checkpoints: Map<number, string>;

  constructor(
    readonly chain: string,
    checkpoints: ReadonlyMap<number, string> = new Map(),
  ) {
    this.checkpoints = new Map(checkpoints);
  }

  /** Feeds the next entry; returns the first problem found so far, if any. */
  push(entry: LedgerEntry): ChainBreak | undefined {
    if (this.broken) return this.broken;
    if (entry.chain !== this.chain) return this.fail(entry.seq, 'out-of-order');
    if (entry.seq < this.expectedSeq) return this.fail(entry.seq, 'out-of-order');
    if (entry.seq > this.expectedSeq) return this.fail(this.expectedSeq, 'gap');
    if (entry.prevHash !== this.prevHash) return this.fail(entry.seq, 'broken-link');
    const { hash, ...unhashed } = entry;
    if (entryHash(unhashed) !== hash) return this.fail(entry.seq, 'hash-mismatch');
    const locked = this.checkpoints.get(entry.seq);
    if (locked !== undefined && locked !== hash) return this.fail(entry.seq, 'digest-mismatch');
    this.checkpoints.delete(entry.seq);
    this.prevHash = hash;
    this.expectedSeq += 1;
    return undefined;
  }

  /**
   * After the last entry: a digest checkpoint or the head pointer beyond the end means
   * entries were removed from the end; the first missing one is named. `headPointer`:
   * the store's head item (null when it is missing), undefined when there is none to check.
   */
  finish(headPointer?: ChainHead | null): { ok: true; count: number; head?: string } | ChainBreak {
    if (this.broken) return this.broken;
    const count = this.expectedSeq - 1;
    const beyond = [...this.checkpoints.keys()].filter((seq) => seq > count);
    if (beyond.length > 0) return this.fail(count + 1, 'truncated');
    if (headPointer && headPointer.seq > count) return this.fail(count + 1, 'truncated');
    if (headPointer && (headPointer.seq !== count || (count > 0 && headPointer.hash !== this.prevHash))) {
      return this.fail(count, 'head-mismatch');
    }
    if (headPointer === null && count > 0) return this.fail(count, 'head-mismatch');
    return count > 0 ? { ok: true, count, head: this.prevHash } : { ok: true, count };
  }

  private fail(seq: number, problem: LedgerProblem): ChainBreak {
    this.broken = { ok: false, chain: this.chain, seq, problem };
    return this.broken;
  }
}

/**
 * Recomputes chains from entries in seq order as read (entries of several chains may be
 * interleaved: each chain is checked on its own, in order of first appearance). Names the
 * first broken entry: for a missing entry, its seq; for two entries swapped, the seq
 * expected where the first of them stands.
 */
export function verifyChain(
  entries: readonly LedgerEntry[],
): { ok: true; count: number; head?: string } | ChainBreak<ChainProblem> {
  const byChain = new Map<string, LedgerEntry[]>();
  for (const entry of entries) {
    const list = byChain.get(entry.chain) ?? [];
    list.push(entry);
    byChain.set(entry.chain, list);
  }
  let count = 0;
  let head: string | undefined;
  for (const [chain, list] of byChain) {
    const verifier = new ChainVerifier(chain);
    const seqs = new Set(list.map((e) => e.seq));
    for (const entry of list) {
      const broken = verifier.push(entry);
      if (broken) {
        // A "gap" whose missing seq appears later is a reordering, not a removal.
        const problem = broken.problem === 'gap' && seqs.has(broken.seq) ? 'out-of-order' : broken.problem;
        return { ...broken, problem: problem as ChainProblem };
      }
    }
    const done = verifier.finish();
    if (!done.ok) return { ...done, problem: done.problem as ChainProblem };
    count += done.count;
    head = done.head;
  }
  return byChain.size === 1 && head ? { ok: true, count, head } : { ok: true, count };
}

/** The daily digest (issue 8): every chain's head, and a hash of the digest itself. */
export interface LedgerDigest {
  version: 1;
  /** ISO instant the heads were read */
  at: string;
  heads: Record<string, ChainHead>;
  /** sha256 of canonicalJson of the digest without this field */
  hash: string;
}

export function buildDigest(now: Date, heads: Record<string, ChainHead>): LedgerDigest {
  const body = { version: 1 as const, at: now.toISOString(), heads };
  return { ...body, hash: sha256Hex(canonicalJson(body)) };
}

/** True when a digest's own hash matches its content. */
export function digestIntact(digest: LedgerDigest): boolean {
  const { hash, ...body } = digest;
  return typeof hash === 'string' && sha256Hex(canonicalJson(body)) === hash;
}

/** `ledger-digests/<YYYY-MM-DD>/<ISO>.json` (UTC), under the bucket's digest prefix. */
export function digestKey(prefix: string, now: Date): string {
  const iso = now.toISOString();
  return `${prefix}${iso.slice(0, 10)}/${iso}.json`;
}

/**
 * Checkpoints per chain from every digest: seq → hash that must be found there. Two
 * digests that disagree on the same seq cannot both be right: the first one's hash is
 * kept, and the chain will mismatch one of them.
 */
export function digestCheckpoints(digests: readonly LedgerDigest[]): Map<string, Map<number, string>> {
  const out = new Map<string, Map<number, string>>();
  for (const digest of digests) {
    for (const [chain, head] of Object.entries(digest.heads)) {
      if (head.seq <= 0) continue;
      const forChain = out.get(chain) ?? new Map<number, string>();
      if (!forChain.has(head.seq)) forChain.set(head.seq, head.hash);
      out.set(chain, forChain);
    }
  }
  return out;
}
