/**
 * The shapes the rules engine works on: a list row as read from the file, the decision
 * for it, the list report (design.md §3.5), and the contact as the store keeps it.
 * Types only: the rules that produce them live beside this file.
 */
import type { Basis, Channel, ListReason, RecipientKind, RowReason } from './reasons.ts';

/**
 * One data record of a list file, under the canonical column names of design.md §3.2.
 * Values are the raw cell text, trimmed; an empty cell is absent.
 */
export interface ListRow {
  /** physical line where the record starts (the header is line 1) */
  line: number;
  email?: string;
  phone?: string;
  first_name?: string;
  last_name?: string;
  company?: string;
  job_title?: string;
  kind?: string;
  consent_at?: string;
  /** a sign-up time that is not a confirmation (Mailchimp `OPTIN_TIME`): consent only where no confirmation is due */
  optin_at?: string;
  consent_channels?: string;
  collected_at?: string;
  last_activity_at?: string;
  last_purchase_at?: string;
  product_categories?: string;
  origin?: string;
  /** rules.md §7b: when the person consented to the measurement of their opens and clicks */
  tracking_consent_at?: string;
  /** rules.md §4 R7: `true`/`oui` when a contract with the advertiser is in progress (calls, basis `contract`) */
  contract_active?: string;
  /** rules.md §4b: an export's opt-out or bounce status (a generic `status`/`statut`: every channel of the row) */
  status?: string;
  /** Brevo: the email (resp. SMS) is blacklisted: yes, true, 1, oui */
  email_blacklisted?: string;
  sms_blacklisted?: string;
  /** Mailchimp: when the member unsubscribed / was cleaned (a hard bounce); any date */
  unsub_time?: string;
  clean_time?: string;
  /** HubSpot: `Unsubscribed from all email` */
  unsubscribed_all_email?: string;
}

export type CanonicalColumn = Exclude<keyof ListRow, 'line'>;

/** The decision for one row: what the report says (no personal data). */
export interface RowDecision {
  line: number;
  status: 'accepted' | 'rejected';
  kind?: RecipientKind;
  /** accepted rows: the basis of each channel that has one */
  bases?: Partial<Record<Channel, Basis>>;
  /** accepted rows: ISO date when the contact must be gone (rules.md §5) */
  expiresAt?: string;
  /** rejected rows: every reason that applies, the deciding one first (rules.md §4) */
  reasons?: RowReason[];
  /** accepted rows: the channels that were refused, and why */
  rejectedChannels?: Partial<Record<Channel, RowReason[]>>;
  /** accepted rows whose data came from a third party and were not informed (rules.md §4 R7, §7) */
  informAtFirstMessage?: boolean;
}

/** The list report of design.md §3.5. */
export interface ListReport {
  listId: string;
  status: 'accepted' | 'rejected' | 'quarantined';
  reasons: ListReason[];
  /** why the manifest was refused, naming the field (no value echoed: it may be personal data) */
  detail?: string;
  rows: { total: number; accepted: number; rejected: number };
  byReason: Partial<Record<RowReason | ListReason, number>>;
  decisions: RowDecision[];
  /** column headers of the file that match no known column (design.md §3.2: ignored and reported) */
  unknownColumns?: string[];
}

/** Consent proof kept with the contact (rules.md §4 R7, §5, §9): what was consented to, where, when. */
export interface ConsentProof {
  mechanism: string;
  wording?: string;
  wordingVersion?: string;
  collectionPoint?: string;
  scope: 'advertiser' | 'named-partners' | 'unnamed-partners';
  namedPartners: string[];
  /** ISO instant the person consented */
  consentAt: string;
  /** the list whose manifest carries this proof */
  listId: string;
}

/**
 * A contact as stored (one per suppression key). Names follow the product's words; the
 * store module adds its own technical attributes (TTL, index bucket, version).
 */
export interface Contact {
  /** HMAC of the canonical email address, or of the E.164 phone for a phone-only contact (rules.md §8) */
  suppressionKey: string;
  /** the address as given, for sending */
  email?: string;
  /** E.164 number: a mobile when the contact has an `sms` basis; any number for `phone` (calls) */
  phone?: string;
  /** suppression key of the phone, when the contact has both an email and a phone */
  phoneKey?: string;
  firstName?: string;
  lastName?: string;
  company?: string;
  jobTitle?: string;
  kind: RecipientKind;
  bases: Partial<Record<Channel, Basis>>;
  consent?: ConsentProof;
  /** the list that last brought this contact, and every list that did */
  listId: string;
  listIds: string[];
  /** who collected the data from the person (rules.md §7: told at the first message when required) */
  collector?: string;
  sourceKind: string;
  collectedAt: string;
  lastActivityAt?: string;
  lastPurchaseAt?: string;
  productCategories: string[];
  informAtFirstMessage: boolean;
  /** when the first message with the source and the right to object went out */
  informedAt?: string;
  lastSolicitedAt?: string;
  /** messages sent within the frequency cap's window (rules.md §6 FREQ_CAP), ISO instants; kept only when a cap is set */
  recentSolicitations?: string[];
  /** ISO instant after which the contact may no longer be solicited (rules.md §5) */
  expiresAt: string;
  repermissionFlaggedAt?: string;
  /** rules.md §7b: the person's consent to the measurement of their opens and clicks, with its proof */
  trackingConsent?: { at: string; wording: string; wordingVersion: string; listId: string };
  /** rules.md §7b: when the person withdrew it; a list bringing an older consent does not restore it */
  trackingWithdrawnAt?: string;
  /** calls the sales team made within the call cap's window (rules.md §6b FREQ_CAP), ISO instants */
  recentCalls?: string[];
  /** soft bounces within the counting window (rules.md §8), ISO instants */
  softBounces?: string[];
}
