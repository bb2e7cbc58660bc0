/** Builders for the sending tests (breaker, tracking, faults): a stored contact and an email campaign. */
import type { Contact } from '#domain/contact';
import type { Campaign } from '#schemas/campaign';

/** A generic mailbox as the ingestion stores it (basis legal-person), on `listId`. */
export function storedContact(
  email: string,
  suppressionKey: string,
  listId: string,
  extra: Partial<Contact> = {},
): Contact {
  return {
    suppressionKey,
    email,
    kind: 'generic',
    bases: { email: 'legal-person' },
    listId,
    listIds: [listId],
    sourceKind: 'own-form',
    collectedAt: '2026-09-01T00:00:00.000Z',
    productCategories: [],
    informAtFirstMessage: false,
    expiresAt: '2029-09-01T00:00:00.000Z',
    ...extra,
  };
}

/** An email campaign to a list's members that the gate accepts (identity, unsubscribe link). */
export function emailCampaignTo(
  campaignId: string,
  listId: string,
  message: Partial<Campaign['message']> = {},
): Campaign {
  return {
    campaignId,
    advertiser: 'Acme SAS',
    purpose: 'commercial-prospecting',
    channel: 'email',
    productCategory: 'disques',
    energyRenovation: false,
    contractInProgress: false,
    audience: { lists: [listId] },
    message: {
      from: 'Acme <offres@acme.fr>',
      subject: `Nos offres ${campaignId}`,
      text: 'Acme SAS vous présente ses offres.\nSe désinscrire : {{unsubscribeUrl}}',
      ...message,
    },
  };
}
