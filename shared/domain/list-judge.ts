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
import type { ManifestJudgement } from './provenance.ts';
import type { ListReason, RowReason, SuppressionReason } from './reasons.ts';
import { decideRow, type RowContext, rowContext } from './rows.ts';

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
}

/**
 * A 53-bit hash of a canonical identity (cyrb53). Duplicate detection (rules.md §4 R2)
 * keeps one number per identity, not a string; a collision (≈ 1e-4 over a million rows)
 * can only make a row a DUPLICATE, a refusal: the safe side.
 */
function identityHash(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  // never 0: 0 marks an empty slot of IdentitySet
  return 4294967296 * (2097151 & h2) + (h1 >>> 0) || 1;
}

/** A set of identity hashes in a flat, growing open-addressing table: 8 bytes a slot, memory stays flat. */
class IdentitySet {
  private slots = new Float64Array(1 << 16);
  private size = 0;

  /** Adds the hash; true when it was already there. */
  addSeen(hash: number): boolean {
    if ((this.size + 1) * 2 > this.slots.length) this.grow();
    const mask = this.slots.length - 1;
    let i = hash & mask;
    for (;;) {
      const v = this.slots[i];
      if (v === 0) {
        this.slots[i] = hash;
        this.size++;
        return false;
      }
      if (v === hash) return true;
      i = (i + 1) & mask;
    }
  }

  has(hash: number): boolean {
    const mask = this.slots.length - 1;
    let i = hash & mask;
    for (;;) {
      const v = this.slots[i];
      if (v === 0) return false;
      if (v === hash) return true;
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(old.length * 2);
    this.size = 0;
    for (const v of old) if (v !== 0) this.addSeen(v);
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

export class ListJudge {
  private readonly ctx: RowContext;
  private readonly seen = new IdentitySet();
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
   * Decide a prepared row (rules.md §4). Call in file order: the first row of an identity
   * wins (R2). `suppression` is the opposition store's entry for any of the row's keys (R3).
   */
  decide(prepared: PreparedRow, suppression?: SuppressionReason): { decision: RowDecision; contact?: Contact } {
    // identity: the canonical email, or the phone for a phone-only row
    const email = prepared.email;
    const phoneOk = prepared.phone?.ok ? prepared.phone : undefined;
    const identity = email
      ? email.ok
        ? identityHash(email.canonical)
        : undefined
      : phoneOk
        ? identityHash(phoneOk.e164)
        : undefined;
    const phone = phoneOk ? identityHash(phoneOk.e164) : undefined;
    const duplicate = identity !== undefined && this.seen.has(identity);
    const phoneDuplicate = phone !== undefined && phone !== identity && this.seen.has(phone);
    const outcome = decideRow(
      { row: prepared.row, email, phone: prepared.phone, duplicate, phoneDuplicate, suppression },
      this.ctx,
    );
    if (identity !== undefined) this.seen.addSeen(identity);
    if (phone !== undefined) this.seen.addSeen(phone);
    this.count(outcome.decision);

    const a = outcome.accepted;
    if (!a || !this.buildContacts) return { decision: outcome.decision };
    const m = this.manifest;
    const row = prepared.row;
    const emailOk = prepared.email?.ok ? prepared.email : undefined;
    const smsBasis = a.bases.sms !== undefined && prepared.phone?.ok === true;
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
    if (smsBasis && prepared.phone?.ok) {
      contact.phone = prepared.phone.e164;
      if (emailOk) contact.phoneKey = prepared.phoneKey;
    }
    if (row.first_name) contact.firstName = row.first_name;
    if (row.last_name) contact.lastName = row.last_name;
    if (row.company) contact.company = row.company;
    if (row.job_title) contact.jobTitle = row.job_title;
    if (a.lastActivityAt !== undefined) contact.lastActivityAt = iso(a.lastActivityAt);
    if (a.lastPurchaseAt !== undefined) contact.lastPurchaseAt = iso(a.lastPurchaseAt);
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
    return { decision: outcome.decision, contact };
  }

  /** R0 for a record the CSV reader could not parse. The detail is not kept (it may hold personal data). */
  malformed(line: number, _detail: string): RowDecision {
    const decision: RowDecision = { line, status: 'rejected', reasons: ['ROW_MALFORMED'] };
    this.count(decision);
    return decision;
  }

  /** The list report (design.md §3.5). Without a judgement the list is taken as accepted. */
  report(listJudgement?: ManifestJudgement, unknownColumns?: string[]): ListReport {
    const status = listJudgement?.status ?? 'accepted';
    const report: ListReport = {
      listId: this.manifest.listId,
      status,
      reasons: listJudgement?.reasons ?? [],
      rows: { total: this.total, accepted: this.accepted, rejected: this.total - this.accepted },
      byReason: { ...this.byReason },
      decisions: this.keepDecisions ? this.decisions : [],
    };
    if (unknownColumns && unknownColumns.length > 0) report.unknownColumns = unknownColumns;
    return report;
  }

  private count(decision: RowDecision): void {
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
