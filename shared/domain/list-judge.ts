/**
 * Judging a list row by row: the one orchestrator behind both `hygiene check` (offline)
 * and the ingestion of an uploaded list (rules.md §4). The caller reads the file, looks
 * up the opposition store for each prepared row's keys, and calls `decide` in file order.
 */
import type { Manifest } from '../schemas/manifest.ts';
import type { Settings } from '../schemas/settings.ts';
import { type NormalisedEmail, type NormalisedPhone, normaliseEmail, normalisePhone } from './address.ts';
import type { Contact, ListReport, ListRow, RowDecision } from './contact.ts';
import { suppressionKey } from './keys.ts';
import { listReportOf, malformedDecision, type RowCounts } from './list-report.ts';
import type { ManifestJudgement } from './provenance.ts';
import type { ListReason, RowReason, SuppressionReason } from './reasons.ts';
import { decideRow, exportedOptOuts, type RowContext, rowContext } from './rows.ts';

/** A row normalised, with its keys: what `decide` needs, computed without touching the judge's state. */
export interface PreparedRow {
  row: ListRow;
  /** the normalised email, when the row has one */
  email?: NormalisedEmail;
  /** the normalised phone, when the row has one */
  phone?: NormalisedPhone;
  /** suppression key of the canonical email (rules.md §8) */
  emailKey?: string;
  /** suppression key of the E.164 phone */
  phoneKey?: string;
  /** keys to look up in the opposition store: email key first, then phone key; empty when no usable identity */
  suppressionKeys: string[];
}

export interface ListJudgeOptions {
  /** keep every row decision for the report (default true); the ingestion streams them out instead */
  keepDecisions?: boolean;
  /**
   * compute suppression keys and build contacts (default true). Offline (`hygiene check`)
   * there is no opposition store to look keys up in and nothing to store: false skips
   * both, and `prepare` returns no keys.
   */
  contacts?: boolean;
  /**
   * R2 decided beforehand, over the whole file (a worker judging one range of it: the
   * planner ran a `DuplicateFinder` over every row in file order): line → `DuplicateFlags`
   * bits, for the rows that are duplicates. Absent: the judge finds them itself.
   */
  duplicates?: ReadonlyMap<number, number>;
}

/** An opposition an export's row says the person made (rules.md §4b), to record in the store. */
export interface ExportedOpposition {
  suppressionKey: string;
  reason: SuppressionReason;
  /** the channel whose key it is: `email`, or `sms` for a number (one key per number: it covers calls too, rules.md §8) */
  channel: 'email' | 'sms';
}

/** What judging a row gives: its decision, the contact an accepted row makes, the oppositions to record. */
export interface JudgedRow {
  decision: RowDecision;
  contact?: Contact;
  oppositions?: ExportedOpposition[];
}

/** R2's verdict on a row, as bits: the row's identity was seen before (1), its phone was (2). */
export const DUPLICATE = 1;
export const PHONE_DUPLICATE = 2;

/**
 * Duplicate detection (rules.md §4 R2) remembers every identity of the list (canonical
 * email, E.164 phone) as a 64-bit hash, not a string: 8 bytes in a typed array instead of
 * a string and a Set entry, so a million-row list costs ≈ 20 MB, not hundreds.
 *
 * The hash: two 32-bit multiplicative lanes over the UTF-16 code units, cross-mixed at
 * the end (cyrb53's construction, keeping all 64 bits). Two different identities share a
 * hash with probability ≈ n² / 2⁶⁵: about 1 in 10 million for a list of 2 million
 * identities. A collision can only make a row a DUPLICATE, a refusal of a lawful row:
 * the safe side (rules.md §0); it can never accept a row.
 */
let hashHi = 0;
let hashLo = 0;

/** Hashes `text` into hashHi/hashLo (module state, not a returned object: no allocation per row). */
function hashIdentity(text: string): void {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  hashHi = h2 | 0;
  // never (0, 0): it marks an empty slot of IdentitySet
  hashLo = h1 === 0 && h2 === 0 ? 1 : h1 | 0;
}

/** slots (hash pairs) of a page: 8 KB */
const PAGE_SLOTS = 1024;
/** a page is split past this load; linear probing stays short below it */
const MAX_LOAD = 0.8;
/**
 * the directory stops doubling here (16 MB, ≈ 2 billion identities): past it a full page
 * doubles instead of splitting. Only hashes crafted to share their top bits get there.
 */
const MAX_DEPTH = 22;

/**
 * A set of 64-bit hashes by extendible hashing: a directory indexed by the top bits of
 * the high half points to pages, each a small open-addressing table (linear probing on
 * the low half) of (hi, lo) pairs in an Int32Array. A full page is split in two by the
 * next bit, in place plus one new page: pages are never dropped, so growing leaves no
 * garbage behind (a table that doubles leaves the old one to the GC, tens of MB on a big
 * list). Memory ≈ 12 bytes an identity, growing with the list and nothing else.
 */
class IdentitySet {
  /** global depth: the directory has 2^depth entries */
  private depth = 0;
  private directory = new Int32Array(1);
  private readonly pages: Int32Array[] = [new Int32Array(2 * PAGE_SLOTS)];
  /** per page: bits of `hi` its entries share (local depth), and entries held */
  private readonly pageDepths: number[] = [0];
  private readonly pageSizes: number[] = [0];
  /** a page's entries while it is split (reused) */
  private scratch = new Int32Array(2 * PAGE_SLOTS);

  /** Adds (hi, lo); true when it was already there. */
  addSeen(hi: number, lo: number): boolean {
    for (;;) {
      const p = this.directory[this.depth === 0 ? 0 : hi >>> (32 - this.depth)] as number;
      const page = this.pages[p] as Int32Array;
      const mask = (page.length >> 1) - 1;
      let i = lo & mask;
      for (;;) {
        const h = page[2 * i] as number;
        const l = page[2 * i + 1] as number;
        if (h === hi && l === lo) return true;
        if (h === 0 && l === 0) break;
        i = (i + 1) & mask;
      }
      const size = this.pageSizes[p] as number;
      if (size < (page.length >> 1) * MAX_LOAD) {
        page[2 * i] = hi;
        page[2 * i + 1] = lo;
        this.pageSizes[p] = size + 1;
        return false;
      }
      this.split(p, hi);
    }
  }

  /** Splits full page `p` (which `hi` maps to) by the next bit of `hi`; then the caller probes again. */
  private split(p: number, hi: number): void {
    const localDepth = this.pageDepths[p] as number;
    const old = this.pages[p] as Int32Array;
    if (localDepth === MAX_DEPTH) {
      this.pages[p] = new Int32Array(old.length * 2);
      this.pageSizes[p] = 0;
      this.refill(old, old.length, p, p, 0);
      return;
    }
    if (localDepth === this.depth) {
      // the directory doubles: entry j → entries 2j and 2j + 1
      const directory = new Int32Array(this.directory.length * 2);
      for (let j = 0; j < directory.length; j++) directory[j] = this.directory[j >> 1] as number;
      this.directory = directory;
      this.depth++;
    }
    // the directory entries of p: those starting with its `localDepth` bits; the upper half moves to q
    const q = this.pages.length;
    this.pages.push(new Int32Array(old.length));
    this.pageDepths.push(localDepth + 1);
    this.pageSizes.push(0);
    this.pageDepths[p] = localDepth + 1;
    this.pageSizes[p] = 0;
    const span = 2 ** (this.depth - localDepth);
    const first = (localDepth === 0 ? 0 : hi >>> (32 - localDepth)) * span;
    for (let j = first + span / 2; j < first + span; j++) this.directory[j] = q;
    // the entries go back to p or to q by bit `localDepth` (from the top) of their hi
    if (this.scratch.length < old.length) this.scratch = new Int32Array(old.length);
    this.scratch.set(old);
    old.fill(0);
    this.refill(this.scratch, old.length, p, q, 31 - localDepth);
  }

  /** Re-adds the entries of `from` (its first `length` ints): to page p, or to q when bit `bit` of hi is set. */
  private refill(from: Int32Array, length: number, p: number, q: number, bit: number): void {
    for (let j = 0; j < length; j += 2) {
      const hi = from[j] as number;
      const lo = from[j + 1] as number;
      if (hi === 0 && lo === 0) continue;
      const target = p === q || ((hi >>> bit) & 1) === 0 ? p : q;
      const page = this.pages[target] as Int32Array;
      const mask = (page.length >> 1) - 1;
      let i = lo & mask;
      while (page[2 * i] !== 0 || page[2 * i + 1] !== 0) i = (i + 1) & mask;
      page[2 * i] = hi;
      page[2 * i + 1] = lo;
      this.pageSizes[target] = (this.pageSizes[target] as number) + 1;
    }
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * R2 over a list (rules.md §4): every identity seen so far (canonical email, E.164 phone).
 * `check` gives a row's flags and remembers its identities: call it for every row that
 * parsed, in file order.
 */
export class DuplicateFinder {
  private readonly seen = new IdentitySet();

  check(email: NormalisedEmail | undefined, phone: NormalisedPhone | undefined): number {
    const seen = this.seen;
    const phoneOk = phone?.ok ? phone : undefined;
    // Look the row's identity (canonical email, or the phone of a phone-only row) and its
    // phone up, and remember them, in one probe each; the phone is looked up after the
    // identity was added, which only matters when both are the same hash, and then the
    // phone does not count as a duplicate of its own row.
    let flags = 0;
    let idHi = 0;
    let idLo = 0;
    const identity = email ? (email.ok ? email.canonical : undefined) : phoneOk?.e164;
    if (identity !== undefined) {
      hashIdentity(identity);
      idHi = hashHi;
      idLo = hashLo;
      if (seen.addSeen(idHi, idLo)) flags |= DUPLICATE;
    }
    if (phoneOk) {
      hashIdentity(phoneOk.e164);
      const same = identity !== undefined && hashHi === idHi && hashLo === idLo;
      if (seen.addSeen(hashHi, hashLo) && !same) flags |= PHONE_DUPLICATE;
    }
    return flags;
  }
}

/** A row's normalised email and phone: all R2 needs (no keys, no secret). */
export function normaliseIdentities(row: ListRow): { email?: NormalisedEmail; phone?: NormalisedPhone } {
  return {
    email: row.email !== undefined && row.email !== '' ? normaliseEmail(row.email) : undefined,
    phone: row.phone !== undefined && row.phone !== '' ? normalisePhone(row.phone) : undefined,
  };
}

export class ListJudge {
  private readonly ctx: RowContext;
  private readonly finder = new DuplicateFinder();
  private readonly duplicates: ReadonlyMap<number, number> | undefined;
  private readonly decisions: RowDecision[] = [];
  private readonly keepDecisions: boolean;
  private readonly buildContacts: boolean;
  private readonly byReason: Partial<Record<RowReason | ListReason, number>> = {};
  private total = 0;
  private accepted = 0;

  constructor(
    private readonly manifest: Manifest,
    settings: Settings,
    now: Date,
    private readonly suppressionSecret: string,
    options: ListJudgeOptions = {},
  ) {
    this.ctx = rowContext(manifest, settings, now);
    this.keepDecisions = options.keepDecisions ?? true;
    this.buildContacts = options.contacts ?? true;
    this.duplicates = options.duplicates;
  }

  /** Normalise a row and compute its suppression keys. Pure: no change to the judge's state. */
  prepare(row: ListRow): PreparedRow {
    const prepared: PreparedRow = { row, suppressionKeys: [] };
    if (row.email !== undefined && row.email !== '') {
      const email = normaliseEmail(row.email);
      prepared.email = email;
      if (email.ok && this.buildContacts) {
        prepared.emailKey = suppressionKey(email.canonical, this.suppressionSecret);
        prepared.suppressionKeys.push(prepared.emailKey);
      }
    }
    if (row.phone !== undefined && row.phone !== '') {
      const phone = normalisePhone(row.phone);
      prepared.phone = phone;
      // a landline still has a key: an opposition recorded for it must be honoured
      if (phone.ok && this.buildContacts) {
        prepared.phoneKey = suppressionKey(phone.e164, this.suppressionSecret);
        prepared.suppressionKeys.push(prepared.phoneKey);
      }
    }
    return prepared;
  }

  /**
   * Decide a prepared row (rules.md §4) and count it. Call in file order: the first row of
   * an identity wins (R2). `suppression` is the opposition store's entry for any of the
   * row's keys (R3).
   */
  decide(prepared: PreparedRow, suppression?: SuppressionReason): JudgedRow {
    const judged = this.judgeRow(prepared, suppression);
    this.count(judged.decision);
    return judged;
  }

  /**
   * Decide a prepared row without counting it (`count` does, in file order). With the
   * `duplicates` option it is pure, so rows may be judged in any order and at once
   * (an ingestion worker judges several batches at a time); without it, in file order only.
   */
  judgeRow(prepared: PreparedRow, suppression?: SuppressionReason): JudgedRow {
    const email = prepared.email;
    // R2: decideRow does not use the set, so remembering the row's identities before it
    // decides changes nothing
    const flags = this.duplicates
      ? (this.duplicates.get(prepared.row.line) ?? 0)
      : this.finder.check(email, prepared.phone);
    const duplicate = (flags & DUPLICATE) !== 0;
    const phoneDuplicate = (flags & PHONE_DUPLICATE) !== 0;
    const outcome = decideRow(
      { row: prepared.row, email, phone: prepared.phone, duplicate, phoneDuplicate, suppression },
      this.ctx,
    );

    const oppositions = this.buildContacts ? this.oppositionsOf(prepared) : undefined;
    const a = outcome.accepted;
    if (!a || !this.buildContacts)
      return oppositions ? { decision: outcome.decision, oppositions } : { decision: outcome.decision };
    const m = this.manifest;
    const row = prepared.row;
    const emailOk = prepared.email?.ok ? prepared.email : undefined;
    // the number is kept when it serves a channel (sms, or calls: any number that parses)
    const numberBasis = (a.bases.sms !== undefined || a.bases.phone !== undefined) && prepared.phone?.ok === true;
    const contact: Contact = {
      suppressionKey: (prepared.emailKey ?? prepared.phoneKey) as string,
      kind: a.kind,
      bases: a.bases,
      listId: m.listId,
      listIds: [m.listId],
      // rules.md §7: who collected the data (the advertiser itself for its own sources)
      collector: m.source.collector ?? m.source.customerOf ?? m.advertiser,
      sourceKind: m.source.kind,
      collectedAt: iso(a.collectedAt),
      productCategories: a.productCategories,
      informAtFirstMessage: a.informAtFirstMessage,
      expiresAt: outcome.decision.expiresAt as string,
    };
    if (emailOk) contact.email = emailOk.given;
    if (numberBasis && prepared.phone?.ok) {
      contact.phone = prepared.phone.e164;
      if (emailOk) contact.phoneKey = prepared.phoneKey;
    }
    if (row.first_name) contact.firstName = row.first_name;
    if (row.last_name) contact.lastName = row.last_name;
    if (row.company) contact.company = row.company;
    if (row.job_title) contact.jobTitle = row.job_title;
    if (a.lastActivityAt !== undefined) contact.lastActivityAt = iso(a.lastActivityAt);
    if (a.lastPurchaseAt !== undefined) contact.lastPurchaseAt = iso(a.lastPurchaseAt);
    const tracking = m.consent?.tracking;
    if (a.trackingConsentAt !== undefined && tracking) {
      contact.trackingConsent = {
        at: iso(a.trackingConsentAt),
        wording: tracking.wording,
        wordingVersion: tracking.wordingVersion,
        listId: m.listId,
      };
    }
    if (a.consentAt !== undefined && m.consent) {
      // rules.md §4 R7, §5: the proof of consent is kept with the contact
      contact.consent = {
        mechanism: m.consent.mechanism,
        wording: m.consent.wording,
        wordingVersion: m.consent.wordingVersion,
        collectionPoint: m.consent.collectionPoint,
        scope: m.consent.scope,
        namedPartners: m.consent.namedPartners,
        consentAt: iso(a.consentAt),
        listId: m.listId,
      };
    }
    return oppositions ? { decision: outcome.decision, contact, oppositions } : { decision: outcome.decision, contact };
  }

  /** rules.md §4b: the export's opt-outs of this row, on the keys they name. */
  private oppositionsOf(prepared: PreparedRow): ExportedOpposition[] | undefined {
    const exported = exportedOptOuts(prepared.row);
    if (!exported) return undefined;
    const out: ExportedOpposition[] = [];
    if (exported.email && prepared.emailKey)
      out.push({ suppressionKey: prepared.emailKey, reason: exported.email, channel: 'email' });
    if (exported.phone && prepared.phoneKey)
      out.push({ suppressionKey: prepared.phoneKey, reason: exported.phone, channel: 'sms' });
    return out.length ? out : undefined;
  }

  /** R0 for a record the CSV reader could not parse, counted. The detail is not kept (it may hold personal data). */
  malformed(line: number, _detail: string): RowDecision {
    const decision = malformedDecision(line);
    this.count(decision);
    return decision;
  }

  /** The list report (design.md §3.5). Without a judgement the list is taken as accepted. */
  report(listJudgement?: ManifestJudgement, unknownColumns?: string[]): ListReport {
    return {
      ...listReportOf(this.manifest.listId, listJudgement, [this.counts()], unknownColumns),
      decisions: this.keepDecisions ? this.decisions : [],
    };
  }

  /** The rows counted so far. */
  counts(): RowCounts {
    return {
      rows: { total: this.total, accepted: this.accepted, rejected: this.total - this.accepted },
      byReason: { ...this.byReason },
    };
  }

  /** Counts a decision (and keeps it, with `keepDecisions`): call in file order. */
  count(decision: RowDecision): void {
    this.total++;
    if (decision.status === 'accepted') this.accepted++;
    else {
      // byReason counts each rejected row once, under the reason that decided it
      const first = decision.reasons?.[0];
      if (first) this.byReason[first] = (this.byReason[first] ?? 0) + 1;
    }
    if (this.keepDecisions) this.decisions.push(decision);
  }
}
