/**
 * Campaign gate + enqueue at scale (issue 6): an audience of `--rows` contacts (default
 * 100,000) in one list on DynamoDB Local, 5 % of them opposed, 5 % expired, 10 % with an
 * unrelated job; the campaign run with a no-op queue. Measures:
 * - send-load: the contacts and oppositions written (setup, reported for the record);
 * - send-gate: sendCampaign — byList query pages, BatchGetItem of the oppositions (100
 *   keys a request), the gate, the report written to S3. `itemsReadPerContact` (items
 *   returned by queries and BatchGet, over the audience) is the figure to hold ≤ 1.1:
 *   no GetItem per contact.
 *
 *   npx tsx bench/send.bench.ts [--rows 100000]
 */
import { createHash } from 'node:crypto';
import type { Contact } from '#domain/contact';
import type { Campaign } from '#schemas/campaign';
import { defaultSettings } from '#schemas/settings';
import { sendCampaign } from '#shared/flows/send-campaign';
import { putNewContacts } from '#store/contacts';
import { inParallel } from '#store/dynamo-batch';
import { putSuppression } from '#store/suppressions';
import { benchRows, measure, startBenchEmulators } from './support.ts';

const TOTAL = benchRows();
const NOW = new Date('2026-11-20T10:00:00.000Z');
const DAY = 86_400_000;
const LIST = 'salon-batimat-2026';
const settings = defaultSettings;

const keyOf = (i: number) => createHash('sha256').update(`bench-send-${i}`).digest('hex');

/** Contact i: every 20th opposed, every 20th (offset 1) expired, every 10th (offset 2) in an unrelated job. */
function contactAt(i: number): Contact {
  const unrelated = i % 10 === 2;
  return {
    suppressionKey: keyOf(i),
    email: `prenom.nom${i}@entreprise-${i % 997}.fr`,
    firstName: 'Camille',
    lastName: `Nom${i}`,
    company: `Entreprise ${i % 997}`,
    jobTitle: unrelated ? 'Comptable' : 'Responsable des achats',
    kind: 'professional',
    bases: { email: 'b2b-interest' },
    listId: LIST,
    listIds: [LIST],
    collector: 'Salon Batimat SAS',
    sourceKind: 'event',
    collectedAt: '2026-10-05T00:00:00.000Z',
    productCategories: [],
    informAtFirstMessage: false,
    expiresAt: new Date(NOW.getTime() + (i % 20 === 1 ? -DAY : 1000 * DAY)).toISOString(),
  };
}

const campaign: Campaign = {
  campaignId: 'bench-printemps-2027',
  advertiser: 'Acme SAS',
  purpose: 'commercial-prospecting',
  channel: 'email',
  productCategory: 'fournitures',
  jobFunctions: ['achats'],
  energyRenovation: false,
  contractInProgress: false,
  audience: { lists: [LIST] },
  message: {
    from: 'Acme <offres@acme.fr>',
    subject: 'Nos offres',
    text: 'Acme SAS vous présente ses offres. Se désinscrire : {{unsubscribeUrl}}',
  },
};

const emulators = await startBenchEmulators();
try {
  const opposed = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => i % 20 === 0);
  await measure('send-load', async () => {
    const chunk = 20_000;
    for (let from = 0; from < TOTAL; from += chunk) {
      const contacts = Array.from({ length: Math.min(chunk, TOTAL - from) }, (_, k) => contactAt(from + k));
      await putNewContacts(contacts, settings, 8);
    }
    await inParallel(opposed, 8, (i) =>
      putSuppression({ suppressionKey: keyOf(i), reason: 'OPPOSED', source: 'written', at: NOW }),
    );
    return { rows: TOTAL, opposed: opposed.length };
  });

  let queued = 0;
  await measure('send-gate', async () => {
    const { report, reads, timings } = await sendCampaign(campaign, {
      now: NOW,
      settings,
      enqueue: async (messages) => {
        queued += messages.length;
      },
    });
    if (report.counts.audience !== TOTAL) throw new Error(`audience ${report.counts.audience}, expected ${TOTAL}`);
    return {
      rows: report.counts.audience,
      counts: report.counts,
      byReason: report.byReason,
      queued,
      itemsRead: reads.items,
      itemsReadPerContact: Math.round((reads.items / report.counts.audience) * 1000) / 1000,
      readRequests: reads.requests,
      readRequestsPerContact: Math.round((reads.requests / report.counts.audience) * 10000) / 10000,
      suppressionKeysLookedUp: reads.suppressionKeysLookedUp,
      timingsMs: timings,
    };
  });
} finally {
  await emulators.stop();
}
