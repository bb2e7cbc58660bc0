/**
 * Contacts for retention tests and the purge benchmark: suppression keys shaped like the
 * real ones (64 hex digits), expiry computed by the domain (rules.md §5).
 */
import { createHash } from 'node:crypto';
import type { Contact } from '#domain/contact';
import { computeExpiresAt, type RetentionFacts } from '#domain/retention';
import type { Settings } from '#schemas/settings';

export function testKey(label: string): string {
  return createHash('sha256').update(`contact:${label}`).digest('hex');
}

/** A stored contact whose expiry follows from its facts, as ingestion computes it. */
export function contactWith(
  label: string,
  facts: RetentionFacts,
  settings: Pick<Settings, 'retentionYears'>,
  overrides: Partial<Contact> = {},
): Contact {
  const expiresAt = computeExpiresAt(facts, settings);
  if (!expiresAt) throw new Error(`contact ${label}: no retention clock`);
  const customer = facts.regime === 'customer';
  return {
    suppressionKey: testKey(label),
    email: `person.${label.replace(/[^a-z0-9]/gi, '')}@example.org`,
    kind: customer ? 'consumer' : 'professional',
    bases: { email: customer ? 'soft-opt-in' : 'b2b-interest' },
    listId: customer ? 'clients-export' : 'salon-test',
    listIds: [customer ? 'clients-export' : 'salon-test'],
    sourceKind: customer ? 'own-customers' : 'event',
    collectedAt: (facts.collectedAt ?? new Date('2026-10-05T00:00:00.000Z')).toISOString(),
    ...(facts.lastActivityAt ? { lastActivityAt: facts.lastActivityAt.toISOString() } : {}),
    ...(facts.lastPurchaseAt ? { lastPurchaseAt: facts.lastPurchaseAt.toISOString() } : {}),
    productCategories: [],
    informAtFirstMessage: false,
    expiresAt: expiresAt.toISOString(),
    ...overrides,
  };
}
