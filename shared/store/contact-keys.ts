/**
 * The register of stored contact keys (issue 4): the suppression key of every contact
 * stored, as a 32-bit hash (`keyHash`), in objects under `state/contact-keys/` of the
 * bucket. An ingestion alone reads it (4 bytes a contact) to know which of its rows may
 * already be stored, instead of a Scan of the contacts table (≈ 1 KB a contact; on AWS
 * ≈ 0.25 read unit each, and on DynamoDB Local 2.4 s of its CPU per 75,000 contacts).
 *
 * It is a superset. A key of a contact since deleted (purge, erasure) or never written (a
 * run that died) may linger: it costs one look-up. A key missing would let a blind write
 * replace a stored contact. So:
 * 1. keys are recorded (an object written) before their contacts are (`KeyJournal`,
 *    `recordContactKeys`);
 * 2. an object is deleted only once what it holds is in a newer one: the union of the
 *    objects read (any time), or a Scan of the table (only by a run alone, which no other
 *    run writes beside: shared/flows/contacts-check.ts);
 * 3. the register counts only once it holds a base, the keys a Scan read: until then,
 *    contacts written before it existed are in no object.
 *
 * Objects: `base-<time>-<id>.bin` (a Scan's keys, or a union holding a base) and
 * `added-<time>-<id>[-<n>].bin` (keys a run recorded), each a run of little-endian
 * uint32 hashes. Hashes of pseudonymous keys: no personal data.
 */
import { randomUUID } from 'node:crypto';
import { bucketDefinition } from '#shared/resources';
import { inParallel } from './dynamo-batch.ts';
import { KeyHashSet, keyHash } from './key-hash-set.ts';
import { deleteObjects, listObjects, ObjectMissing, objectBytes, putObject } from './objects.ts';

const PREFIX = bucketDefinition.prefixes.contactKeys;
const BASE = `${PREFIX}base-`;
const ADDED = `${PREFIX}added-`;
const CONTENT_TYPE = 'application/octet-stream';
const READS_IN_FLIGHT = 8;
/**
 * A journal writes at most one object per JOURNAL_INTERVAL_MS (the keys recorded
 * meanwhile go together): a 100,000-row list, ≈ 40 s, makes at most 160 small objects,
 * which `close` replaces by one.
 */
const JOURNAL_INTERVAL_MS = 250;

export interface KeyRegister {
  /** the keys it holds; undefined when it holds more than the limit asked (not read) */
  keys?: KeyHashSet;
  /** it holds a base: only then does it hold every stored contact's key */
  complete: boolean;
  /** the objects listed (and read, with `keys`) */
  objects: string[];
  /** hashes in them all, a key in two objects counted twice */
  hashes: number;
}

/** `<time>-<id>`: objects sort by when they were written */
const objectName = (kind: string, suffix = randomUUID()) =>
  `${kind}${new Date().toISOString().replace(/[-:.]/g, '')}-${suffix}.bin`;

function toBytes(hashes: Uint32Array | readonly number[]): Buffer {
  const bytes = Buffer.alloc(hashes.length * 4);
  for (let i = 0; i < hashes.length; i++) bytes.writeUInt32LE(hashes[i] as number, i * 4);
  return bytes;
}

function fromBytes(bytes: Buffer, key: string): Uint32Array {
  if (bytes.length % 4 !== 0) throw new Error(`contact key register: ${key} is not a run of uint32s`);
  const hashes = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < hashes.length; i++) hashes[i] = bytes.readUInt32LE(i * 4);
  return hashes;
}

/** Lists the register, and reads it when it holds at most `limit` hashes. */
export async function readKeyRegister(limit: number): Promise<KeyRegister> {
  for (let attempt = 0; ; attempt++) {
    const listed = await listObjects(PREFIX);
    const register: KeyRegister = {
      complete: listed.some((o) => o.key.startsWith(BASE)),
      objects: listed.map((o) => o.key),
      hashes: listed.reduce((sum, o) => sum + o.bytes / 4, 0),
    };
    if (register.hashes > limit) return register;
    try {
      const parts = await inParallel(listed, READS_IN_FLIGHT, async (o) => fromBytes(await objectBytes(o.key), o.key));
      const keys = new KeyHashSet();
      for (const part of parts) keys.addHashes(part);
      return { ...register, keys };
    } catch (error) {
      // merged into a new object between the listing and the read: list again
      if (error instanceof ObjectMissing && attempt < 5) continue;
      throw error;
    }
  }
}

/**
 * Writes `keys` as a base, then deletes `replaced` (objects read before): after a Scan
 * (by a run alone), or to merge many objects into one (their union holding a base).
 */
export async function writeKeyRegisterBase(keys: KeyHashSet, replaced: readonly string[]): Promise<void> {
  await putObject(objectName(BASE), toBytes(keys.allHashes()), CONTENT_TYPE);
  await deleteObjects(replaced);
}

/** Records the keys of contacts about to be written, in one object. */
export async function recordContactKeys(keys: readonly string[]): Promise<void> {
  if (keys.length) await putObject(objectName(ADDED), toBytes(keys.map(keyHash)), CONTENT_TYPE);
}

/**
 * Records the keys of an ingestion's contacts before they are written: `record` resolves
 * once its keys are in an object. Calls that come while an object is written go in the
 * next (group commit), at most one object per JOURNAL_INTERVAL_MS.
 */
export class KeyJournal {
  private readonly id = randomUUID();
  private pending: number[] = [];
  private waiting: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private readonly pieces: string[] = [];
  /** every hash recorded, for the one object `close` writes */
  private readonly recorded = new KeyHashSet();
  private writing: Promise<void> | undefined;
  private lastStarted = 0;

  record(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return Promise.resolve();
    for (const key of keys) {
      const hash = keyHash(key);
      this.pending.push(hash);
      this.recorded.addHash(hash);
    }
    const done = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.writing ??= this.writePending();
    return done;
  }

  /**
   * Replaces the objects written by one holding every key recorded (fewer objects for the
   * next run to read). On failure the objects stay, which is as good.
   */
  async close(): Promise<void> {
    await this.writing;
    if (this.pieces.length < 2) return;
    await putObject(objectName(ADDED, this.id), toBytes(this.recorded.allHashes()), CONTENT_TYPE);
    await deleteObjects(this.pieces.splice(0));
  }

  private async writePending(): Promise<void> {
    while (this.pending.length) {
      const wait = this.lastStarted + JOURNAL_INTERVAL_MS - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const hashes = this.pending;
      const waiting = this.waiting;
      this.pending = [];
      this.waiting = [];
      this.lastStarted = Date.now();
      const key = objectName(ADDED, `${this.id}-${this.pieces.length}`);
      try {
        await putObject(key, toBytes(hashes), CONTENT_TYPE);
        this.pieces.push(key);
        for (const w of waiting) w.resolve();
      } catch (error) {
        for (const w of waiting) w.reject(error);
      }
    }
    this.writing = undefined;
  }
}
