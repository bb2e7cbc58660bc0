/**
 * Which accepted rows of an ingestion are looked up in the contacts table before they
 * are written, and how the new ones are written (issue 4: a contact already stored is
 * merged, never overwritten blind).
 *
 * - `look-ups`: every accepted row is looked up (BatchGetItem, consistent reads).
 * - `key-snapshot`: only the rows whose key was stored when the run began; the others are
 *   new. The keys come from the key register (store/contact-keys.ts: 4 bytes a contact,
 *   in S3) when it is complete, else from a consistent Scan of the table's keys when the
 *   table is small next to the list — which then rebuilds the register.
 * A run alone writes its new contacts with BatchWriteItem ("blind": nothing checks, as
 * it is written, that the contact is still absent). Beside another run, a contact found
 * absent may be stored by the other a moment later: each new contact is then created
 * only if still absent (a conditional put), else merged.
 *
 * Runs coordinate through the imports-running item (store/lists.ts):
 * 1. A run declares itself; it writes blind only if no other live run is declared. The
 *    declarations are updates of one item, so of two runs declaring at once the second
 *    sees the first.
 * 2. A run that does not write blind waits, before its first look-up, until no other live
 *    run does: what those wrote blind is then stored, and its look-ups see it.
 * 3. Every run refreshes its declaration every HEARTBEAT_MS. A run writing blind that
 *    sees another run stops writing blind, waits until its blind writes are stored, then
 *    declares it — which lets the other run go on.
 * A run that died stops refreshing; after STALE_MS no run waits for it.
 */
import { randomUUID } from 'node:crypto';
import type { logger } from '#shared/powertools';
import { readKeyRegister, writeKeyRegisterBase } from '#store/contact-keys';
import { approximateContactCount, contactKeysSnapshot } from '#store/contacts';
import type { KeyHashSet } from '#store/key-hash-set';
import { declareImport, endImport, type RunningImport } from '#store/lists';

/**
 * The stored keys are read from the key register when it holds at most
 * REGISTER_KEYS_PER_ROW keys per (estimated) row of the list — 4 KB of S3 (no read unit,
 * ≈ 0.1 ms in a Lambda) against a look-up (a read unit, ≈ 0.1 ms of a batch) — and by a
 * Scan when the table holds at most SCAN_KEYS_PER_ROW contacts per row — on AWS a
 * consistent Scan reads ≈ 4 contacts per read unit, a look-up costs 1; at most KEYS_MAX
 * either way (4 bytes each in memory: 8 MB).
 */
const REGISTER_KEYS_PER_ROW = 1_000;
const SCAN_KEYS_PER_ROW = 4;
const KEYS_MAX = 2_000_000;
/** a register of more objects than this is merged into one when read */
const REGISTER_OBJECTS_MAX = 16;
const HEARTBEAT_MS = 1_000;
/** a run whose declaration is older than this is taken for dead */
export const STALE_MS = 60_000;
const WAIT_POLL_MS = 200;

export type ContactsCheckMode = 'key-snapshot' | 'look-ups';

/**
 * A batch whose new contacts may be written blind: call `written` with their write.
 * `keys`: the snapshot (look up only the rows it may hold), or absent (look up every row).
 */
export interface BlindBatch {
  keys?: KeyHashSet;
  written(write: Promise<unknown>): void;
}

export class ContactsCheck {
  private readonly runId = randomUUID();
  /** declared as writing blind (from its start, alone, until another run shows up) */
  private blind = false;
  private keys: KeyHashSet | undefined;
  /** blind batches whose writes are not stored yet */
  private readonly unsettled = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private failure: unknown;

  private constructor(
    private readonly listId: string,
    private readonly log: typeof logger,
  ) {}

  /**
   * Declares the run; alone, it writes blind and takes the snapshot when it is due;
   * beside another run, it waits for the runs writing blind to stop. `mode` forces one
   * way (tests); absent, the table's size next to `estimatedRows` decides. Call `end`
   * after, in any case.
   */
  static async begin(
    listId: string,
    estimatedRows: number,
    log: typeof logger,
    mode?: ContactsCheckMode,
  ): Promise<ContactsCheck> {
    const check = new ContactsCheck(listId, log);
    let keysFrom: 'register' | 'scan' | undefined;
    try {
      const others = await check.declare(true);
      check.blind = others.length === 0;
      check.timer = setInterval(() => check.beat(), HEARTBEAT_MS);
      check.timer.unref();
      if (!check.blind) {
        await check.declare(false);
        await check.waitForBlindWriters();
      } else if (mode !== 'look-ups') {
        const found = await storedKeys(estimatedRows, mode === 'key-snapshot', () => check.blind);
        // a run that showed up meanwhile has already turned this one to conditional puts
        if (found && check.blind) {
          check.keys = found.keys;
          keysFrom = found.from;
        }
      }
      log.info('contacts checked', {
        by: check.keys ? 'key-snapshot' : 'look-ups',
        keysFrom,
        contactsStored: check.keys?.size,
        newContacts: check.blind ? 'batch-writes' : 'conditional-puts',
        otherRuns: others.length,
      });
    } catch (error) {
      await check.end().catch(() => {});
      throw error;
    }
    return check;
  }

  /**
   * For the next batch: a blind batch (with the snapshot, if one was read) while its new
   * contacts may still be written blind, else undefined (look every accepted row up,
   * create each new contact only if still absent).
   */
  blindBatch(): BlindBatch | undefined {
    if (this.failure) throw this.failure;
    const keys = this.keys;
    if (!this.blind) return undefined;
    let settle = () => {};
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    this.unsettled.add(settled);
    return {
      keys,
      written: (write) => {
        void write
          .catch(() => {})
          .finally(() => {
            this.unsettled.delete(settled);
            settle();
          });
      },
    };
  }

  /** At the run's end, failed or not, once its writes are settled. */
  async end(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    await endImport(this.runId);
  }

  private async declare(blindWrites: boolean): Promise<RunningImport[]> {
    const all = await declareImport({
      runId: this.runId,
      listId: this.listId,
      heartbeatAt: new Date().toISOString(),
      blindWrites,
    });
    const liveSince = new Date(Date.now() - STALE_MS).toISOString();
    return all.filter((run) => run.runId !== this.runId && run.heartbeatAt >= liveSince);
  }

  /** The heartbeat: refreshes the declaration; a run writing blind that sees another stops. */
  private beat(): void {
    if (this.beating) return;
    this.beating = (async () => {
      const others = await this.declare(this.blind);
      if (this.blind && others.length > 0) {
        this.log.info('contacts checked', {
          by: 'look-ups',
          newContacts: 'conditional-puts',
          since: 'another run began',
          otherRuns: others.length,
        });
        await this.stopBlindWrites();
      }
    })()
      .catch((error: unknown) => {
        this.failure = error;
      })
      .finally(() => {
        this.beating = undefined;
      });
  }

  /** No more blind writes; once those made are stored, the declaration says so. */
  private async stopBlindWrites(): Promise<void> {
    this.blind = false;
    this.keys = undefined;
    while (this.unsettled.size) await Promise.all([...this.unsettled]);
    await this.declare(false);
  }

  private async waitForBlindWriters(): Promise<void> {
    let told = false;
    for (;;) {
      const blind = (await this.declare(false)).filter((run) => run.blindWrites);
      if (blind.length === 0) return;
      if (!told) this.log.info('waiting for another run to stop writing blind', { lists: blind.map((r) => r.listId) });
      told = true;
      await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
    }
  }
}

/**
 * The keys of the contacts stored, for a run alone (`alone` says it still is): from the
 * key register when it is complete, else by a Scan of the table's keys, which then
 * rebuilds the register. Undefined: look every accepted row up. `forced`: no size limit.
 */
async function storedKeys(
  estimatedRows: number,
  forced: boolean,
  alone: () => boolean,
): Promise<{ keys: KeyHashSet; from: 'register' | 'scan' } | undefined> {
  const limit = (perRow: number) => (forced ? Number.POSITIVE_INFINITY : Math.min(KEYS_MAX, perRow * estimatedRows));
  const [register, count] = await Promise.all([
    readKeyRegister(limit(REGISTER_KEYS_PER_ROW)),
    approximateContactCount(),
  ]);
  const held = register.keys?.size ?? 0;
  // Complete, and holding as many keys as the table counts (less the hashes two keys
  // share): a table restored from a backup, or written to by hand, is not trusted.
  const trusted = register.keys && register.complete && count <= held + Math.floor(held ** 2 / 2 ** 32);
  // keys of deleted contacts (purge, erasure) pile up: each costs a look-up; a Scan drops them
  const bloated = held > 2 * count + 10_000;
  const scanLimit = limit(SCAN_KEYS_PER_ROW);
  if (register.keys && trusted && !(bloated && count <= scanLimit)) {
    // the union of what was read, as one object: safe whoever writes meanwhile
    if (register.objects.length > REGISTER_OBJECTS_MAX) await writeKeyRegisterBase(register.keys, register.objects);
    return { keys: register.keys, from: 'register' };
  }
  if (count > scanLimit) return undefined;
  const scanned = await contactKeysSnapshot(scanLimit);
  // The objects listed before the Scan may go: they hold keys of contacts stored before
  // it — which it read — or never written. Only if no other run has written since: one
  // does only once this run has stopped writing blind.
  if (scanned && alone()) await writeKeyRegisterBase(scanned, register.objects);
  return scanned && { keys: scanned, from: 'scan' };
}
