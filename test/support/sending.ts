/**
 * For the sending tests (send, breaker, tracking, faults): their settings and secrets, the
 * emulators set up with them, a stored contact and an email campaign.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { Contact } from '#domain/contact';
import type { Campaign } from '#schemas/campaign';
import { type Settings, settingsSchema } from '#schemas/settings';
import { resetSettings } from '#shared/settings';
import { generateSecrets, loadSecrets, type Secrets } from '#store/secrets';
import type { ProvisionedNames } from '../../cli/local/provision.ts';
import { useEmulators } from './emulators.ts';

/**
 * A sending test's run tag (its addresses and ids never meet another file's), its settings
 * (the local unsubscribe base, no rate limit to wait for, plus `extra`) and its secrets,
 * known before the emulators start so contacts can be built while describing the tests.
 */
export function sendingTest(extra: Record<string, unknown> = {}) {
  const settingsInput = { unsubscribeBaseUrl: 'https://desinscription.acme.fr', sendingRatePerSecond: 1000, ...extra };
  const settings: Settings = settingsSchema.parse(settingsInput);
  const secrets: Secrets = generateSecrets();
  process.env.HYGIENE_SECRETS = JSON.stringify(secrets);
  return { run: randomBytes(3).toString('hex'), settingsInput, settings, secrets };
}

/** The emulators, the functions reading this test's settings and secrets. */
export async function useSendingEmulators(test: ReturnType<typeof sendingTest>): Promise<ProvisionedNames> {
  const names = await useEmulators();
  process.env.HYGIENE_SETTINGS = JSON.stringify(test.settingsInput);
  resetSettings();
  expect(await loadSecrets()).toEqual(test.secrets);
  return names;
}

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
