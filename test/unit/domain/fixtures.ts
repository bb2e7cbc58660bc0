/** Builders for the domain tests: a valid manifest, settings, contacts and campaigns, with overrides. */
import type { ConsentProof, Contact, ListRow } from '#domain/contact';
import { ListJudge } from '#domain/list-judge';
import type { SuppressionReason } from '#domain/reasons';
import { type Campaign, campaignSchema } from '#schemas/campaign';
import { type Manifest, manifestSchema } from '#schemas/manifest';
import { defaultSettings, type Settings, settingsSchema } from '#schemas/settings';

export const NOW = new Date('2026-11-24T10:00:00Z');
export const SECRET = 'test-secret';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> | T[K] : T[K] };

/** An own-form double-opt-in consumer list with full proof, merged with overrides (one level deep per object). */
export function manifest(overrides: Record<string, unknown> = {}): Manifest {
  const base: Record<string, unknown> = {
    version: 1,
    listId: 'test-list',
    dataFile: 'contacts.csv',
    sha256: 'a'.repeat(64),
    advertiser: 'Acme SAS',
    purpose: 'commercial-prospecting',
    audience: 'consumer',
    channels: ['email'],
    collected: { from: '2026-01-01', to: '2026-10-31' },
    source: { kind: 'own-form' },
    consent: {
      mechanism: 'double-opt-in',
      wording: "J'accepte de recevoir les offres d'Acme SAS",
      wordingVersion: 'v1',
      collectionPoint: 'https://acme.fr/newsletter',
      scope: 'advertiser',
      namedPartners: [],
    },
    notice: { informedAtCollection: true, optOutOfferedAtCollection: true },
  };
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    const b = base[k];
    merged[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? { ...(b as object), ...(v as object) }
        : v;
    if (v === undefined) delete merged[k];
  }
  return manifestSchema.parse(merged);
}

export function settings(overrides: DeepPartial<Settings> | Record<string, unknown> = {}): Settings {
  return Object.keys(overrides).length === 0 ? defaultSettings : settingsSchema.parse(overrides);
}

/** Judge rows with a fresh ListJudge; returns each row's decision and contact. */
export function judgeRows(
  m: Manifest,
  rows: Omit<ListRow, 'line'>[],
  opts: { settings?: Settings; now?: Date; suppression?: (i: number) => SuppressionReason | undefined } = {},
) {
  const judge = new ListJudge(m, opts.settings ?? defaultSettings, opts.now ?? NOW, SECRET);
  const out = rows.map((r, i) => {
    const prepared = judge.prepare({ line: i + 2, ...r });
    return { prepared, ...judge.decide(prepared, opts.suppression?.(i)) };
  });
  return { judge, out };
}

export function campaign(overrides: Record<string, unknown> = {}, message: Record<string, unknown> = {}): Campaign {
  return campaignSchema.parse({
    campaignId: 'test-campaign',
    advertiser: 'Acme SAS',
    purpose: 'commercial-prospecting',
    channel: 'email',
    productCategory: 'livres',
    ...overrides,
    message: {
      from: 'Acme <offres@acme.fr>',
      subject: 'Nos offres',
      text: 'Bonjour {{firstName}}, les offres Acme SAS. Se désinscrire : {{unsubscribeUrl}}',
      ...(overrides.channel === 'sms'
        ? { text: 'Acme SAS : -20% ce week-end. STOP au 36123', smsSender: '36123' }
        : {}),
      ...((overrides.message as Record<string, unknown> | undefined) ?? {}),
      ...message,
    },
  });
}

/** The consent proof of an own-form double opt-in. */
export function consentProof(overrides: Partial<ConsentProof> = {}): ConsentProof {
  return {
    mechanism: 'double-opt-in',
    wording: 'w',
    wordingVersion: 'v1',
    collectionPoint: 'https://acme.fr',
    scope: 'advertiser',
    namedPartners: [],
    consentAt: '2026-03-01T00:00:00.000Z',
    listId: 'test-list',
    ...overrides,
  };
}

export function contact(overrides: Partial<Contact> = {}): Contact {
  return {
    suppressionKey: 'k'.repeat(64),
    email: 'lea@gmail.com',
    kind: 'consumer',
    bases: { email: 'consent' },
    consent: consentProof(),
    listId: 'test-list',
    listIds: ['test-list'],
    collector: 'Acme SAS',
    sourceKind: 'own-form',
    collectedAt: '2026-03-01T00:00:00.000Z',
    productCategories: [],
    informAtFirstMessage: false,
    expiresAt: '2029-03-01T00:00:00.000Z',
    ...overrides,
  };
}
