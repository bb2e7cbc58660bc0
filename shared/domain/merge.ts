/**
 * Merging a contact brought again by a list with the one already stored (issue 4):
 * nothing known is lost, nothing is overwritten blindly.
 */
import type { Contact } from './contact.ts';

const later = (a?: string, b?: string): string | undefined => (!a ? b : !b ? a : a >= b ? a : b);

/**
 * The stored contact updated with what a new list says about the same person:
 * later activity, purchase and expiry win; channels, bases, lists and categories are
 * united (a channel keeps the basis it already had); consent proof: the most recent.
 * Suppression is not decided here: a suppressed person never reaches the merge
 * (rules.md §4 R3).
 */
export function mergeContact(stored: Contact, incoming: Contact): Contact {
  // rules.md §0.1, §2: a person any list calls a consumer stays a consumer (strictest), and
  // then only consumer bases count: a b2b-interest basis must not carry over to a consumer.
  const kind = stored.kind === 'consumer' || incoming.kind === 'consumer' ? 'consumer' : incoming.kind;
  const [a, b] = [stored, incoming].map((c) => (c.kind === kind ? c.bases : {}));
  const consent =
    stored.consent && incoming.consent
      ? stored.consent.consentAt >= incoming.consent.consentAt
        ? stored.consent
        : incoming.consent
      : (stored.consent ?? incoming.consent);
  // rules.md §7b: the latest tracking consent, unless the person withdrew after it
  const withdrawnAt = stored.trackingWithdrawnAt ?? incoming.trackingWithdrawnAt;
  const newest = [stored.trackingConsent, incoming.trackingConsent]
    .filter(
      (t): t is NonNullable<Contact['trackingConsent']> => t !== undefined && !(withdrawnAt && t.at <= withdrawnAt),
    )
    .sort((a, b) => (a.at < b.at ? 1 : -1))[0];
  return {
    ...stored,
    trackingConsent: newest,
    ...(withdrawnAt ? { trackingWithdrawnAt: withdrawnAt } : {}),
    email: stored.email ?? incoming.email,
    phone: stored.phone ?? incoming.phone,
    phoneKey: stored.phoneKey ?? incoming.phoneKey,
    firstName: incoming.firstName ?? stored.firstName,
    lastName: incoming.lastName ?? stored.lastName,
    company: incoming.company ?? stored.company,
    jobTitle: incoming.jobTitle ?? stored.jobTitle,
    kind,
    bases: { ...b, ...a },
    consent,
    listId: incoming.listId,
    listIds: [...new Set([...stored.listIds, ...incoming.listIds])],
    collector: incoming.collector ?? stored.collector,
    sourceKind: incoming.sourceKind,
    collectedAt: later(stored.collectedAt, incoming.collectedAt) ?? incoming.collectedAt,
    lastActivityAt: later(stored.lastActivityAt, incoming.lastActivityAt),
    lastPurchaseAt: later(stored.lastPurchaseAt, incoming.lastPurchaseAt),
    productCategories: [...new Set([...stored.productCategories, ...incoming.productCategories])],
    // rules.md §7: a new third-party source the person was not told about must be announced.
    informAtFirstMessage: (stored.informAtFirstMessage && !stored.informedAt) || incoming.informAtFirstMessage,
    informedAt: incoming.informAtFirstMessage ? undefined : stored.informedAt,
    expiresAt: later(stored.expiresAt, incoming.expiresAt) ?? incoming.expiresAt,
  };
}
