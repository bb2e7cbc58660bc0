/**
 * Reason codes of rules.md §10: a stable interface that reports, tests and users rely
 * on. Each code is defined here once, as a member of a string-literal union.
 */

export const LIST_REASONS = [
  'MANIFEST_INVALID',
  'DATA_CHECKSUM_MISMATCH',
  'ADVERTISER_MISMATCH',
  'PURPOSE_INCOMPATIBLE',
  'PROV_UNDOCUMENTED',
  'PROV_UNAUDITED',
] as const;
export type ListReason = (typeof LIST_REASONS)[number];

export const ROW_REASONS = [
  'ROW_MALFORMED',
  'ADDRESS_INVALID',
  'ADDRESS_DISPOSABLE',
  'DUPLICATE',
  'OPPOSED',
  'BOUNCED',
  'PROV_SCRAPED',
  'PROV_GENERIC_REPLY',
  'RET_EXPIRED',
  'B2B_NOT_INFORMED',
  'CONSENT_INVALID',
  'CONSENT_NO_PROOF',
  'CONSENT_WRONG_CHANNEL',
  'PARTNER_NOT_NAMED',
  'ONWARD_TRANSFER',
  'SOFTOPTIN_NO_SALE',
  'SOFTOPTIN_OTHER_ENTITY',
  'SOFTOPTIN_NO_OPTOUT_AT_COLLECTION',
  'NO_CONSENT',
] as const;
export type RowReason = (typeof ROW_REASONS)[number];

export const SEND_REASONS = [
  'CONTENT_NO_IDENTITY',
  'CONTENT_NO_OPTOUT',
  'CONTENT_NO_SOURCE',
  'SMS_BAD_SENDER',
  'PURPOSE_INCOMPATIBLE',
  'OPPOSED',
  'BOUNCED',
  'RET_EXPIRED',
  'NO_CONSENT',
  'CONSENT_WRONG_CHANNEL',
  'PARTNER_NOT_NAMED',
  'SOFTOPTIN_NOT_ANALOGOUS',
  'B2B_UNRELATED',
  'SECTOR_BAN',
  'WINDOW',
  'FREQ_CAP',
  'CAMPAIGN_PAUSED',
  'CONTRACT_UNRELATED',
] as const;
export type SendReason = (typeof SEND_REASONS)[number];

/** Legal bases of accepted rows (rules.md §1, §10). */
export const BASES = ['consent', 'soft-opt-in', 'b2b-interest', 'legal-person', 'contract'] as const;
export type Basis = (typeof BASES)[number];

export const RECIPIENT_KINDS = ['consumer', 'professional', 'generic'] as const;
export type RecipientKind = (typeof RECIPIENT_KINDS)[number];

/** rules.md §1: `phone` is live calls by the sales team (a call sheet, §6b), not automated calls */
export const CHANNELS = ['email', 'sms', 'phone'] as const;
export type Channel = (typeof CHANNELS)[number];

/** What a suppression entry records (rules.md §8): a person's "no", or an address that bounces. */
export type SuppressionReason = 'OPPOSED' | 'BOUNCED';

/**
 * What the opposition store says of a person over all their keys (email and phone):
 * any key suppressed counts, whatever the channel (rules.md §0.1, §4 R3), and the
 * person's own "no" outranks a bounce.
 */
export function strongestSuppression(
  reasons: readonly (SuppressionReason | undefined)[],
): SuppressionReason | undefined {
  if (reasons.includes('OPPOSED')) return 'OPPOSED';
  return reasons.includes('BOUNCED') ? 'BOUNCED' : undefined;
}

export type ReasonCode = ListReason | RowReason | SendReason;
