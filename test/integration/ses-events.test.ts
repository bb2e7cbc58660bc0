import { randomBytes } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Contact } from '#domain/contact';
import { emailSuppressionKey } from '#domain/keys';
import { defaultSettings } from '#schemas/settings';
import { ingestList } from '#shared/flows/ingest-list';
import { deleteContact, getContact, putContactIfVersion } from '#store/contacts';
import { ledgerEntriesFor } from '#store/ledger';
import { loadSecrets } from '#store/secrets';
import { getSuppression, lookupSuppressions } from '#store/suppressions';
import { handler } from '../../functions/ses-events/handler.ts';
import { useEmulators } from '../support/emulators.ts';
import { tradeShowManifest, uploadList } from '../support/lists.ts';
import { type CapturedLogs, captureLogs, PERSONAL_DATA } from '../support/logs.ts';
import {
  type FixtureOptions,
  inEventBridge,
  inSns,
  type SesFixture,
  sesRecord,
  sqsEvent,
} from '../support/ses-events.ts';

const context = {
  functionName: 'ses-events',
  awsRequestId: 'test',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-3:1:function:ses-events',
} as Context;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

let secret: string;
let logs: CapturedLogs;

beforeAll(async () => {
  await useEmulators();
  secret = (await loadSecrets()).suppressionKeySecret;
  logs = captureLogs();
});

afterAll(() => {
  logs.restore();
});

/** A fresh professional address, its key, and the contact stored for it (expiring in a year). */
async function seedContact(
  overrides: Partial<Contact> = {},
): Promise<{ address: string; key: string; contact: Contact }> {
  const address = `jean.dupont.${randomBytes(4).toString('hex')}@societe.fr`;
  const key = emailSuppressionKey(address, secret) as string;
  const contact: Contact = {
    suppressionKey: key,
    email: address,
    kind: 'professional',
    bases: { email: 'b2b-interest' },
    listId: 'salon-batimat-2026',
    listIds: ['salon-batimat-2026'],
    sourceKind: 'event',
    collectedAt: '2026-10-05T00:00:00.000Z',
    productCategories: [],
    informAtFirstMessage: false,
    expiresAt: iso(Date.now() + 365 * 24 * HOUR),
    ...overrides,
  };
  expect(await putContactIfVersion(contact, undefined, defaultSettings)).toBe(true);
  return { address, key, contact };
}

/** A fixture for this address: sent an hour ago, the event half an hour later. */
function event(name: SesFixture, address: string, key: string | null, options: FixtureOptions = {}) {
  return sesRecord(name, {
    to: address,
    contactId: key,
    mailAt: iso(Date.now() - HOUR),
    at: iso(Date.now() - HOUR / 2),
    ...options,
  });
}

async function deliver(...bodies: string[]): Promise<string[]> {
  const out = await handler(sqsEvent(bodies), context);
  return out.batchItemFailures.map((f) => f.itemIdentifier);
}

/** The record in both envelopes, then the SNS one again (at-least-once delivery). */
async function deliverTwiceBothEnvelopes(record: Record<string, unknown>): Promise<void> {
  expect(await deliver(inEventBridge(record), inSns(record))).toEqual([]);
  expect(await deliver(inSns(record))).toEqual([]);
}

async function oppositionEntries(key: string) {
  return (await ledgerEntriesFor(key)).filter((e) => e.type === 'opposition-recorded');
}

describe('ses-events: every event type, both envelopes, twice (rules.md §8)', () => {
  it('Bounce Permanent: BOUNCED, contact deleted, one ledger entry', async () => {
    const { address, key } = await seedContact();
    await deliverTwiceBothEnvelopes(event('bounce-permanent', address, key));
    expect(await getSuppression(key)).toMatchObject({
      reason: 'BOUNCED',
      sources: ['hard-bounce'],
      channel: 'email',
      campaignId: 'printemps-2027',
    });
    expect(await getContact(key)).toBeUndefined();
    const entries = await oppositionEntries(key);
    expect(entries).toHaveLength(1);
    expect(entries[0]?.payload).toMatchObject({ reason: 'BOUNCED', source: 'hard-bounce' });
  });

  it('legacy Bounce notification (no tags): the recipient address is keyed', async () => {
    const { address, key } = await seedContact();
    await deliverTwiceBothEnvelopes(event('legacy-bounce-notification', address, null));
    expect(await getSuppression(key)).toMatchObject({ reason: 'BOUNCED' });
    expect(await getContact(key)).toBeUndefined();
  });

  it.each<[SesFixture, string]>([
    ['complaint', 'complaint'],
    ['legacy-complaint-notification', 'complaint'],
    ['subscription', 'ses-subscription'],
  ])('%s: OPPOSED from %s, one ledger entry, contact kept for the record', async (name, source) => {
    const { address, key } = await seedContact();
    await deliverTwiceBothEnvelopes(event(name, address, name.startsWith('legacy') ? null : key));
    expect(await getSuppression(key)).toMatchObject({ reason: 'OPPOSED', sources: [source] });
    const entries = await oppositionEntries(key);
    expect(entries).toHaveLength(1);
    expect(entries[0]?.payload).toMatchObject({ reason: 'OPPOSED', source });
    expect(await getContact(key)).toBeDefined();
  });

  it('Click: activity, the expiry restarts from the click', async () => {
    const { address, key } = await seedContact();
    const clickAt = Date.now() - HOUR / 2;
    await deliverTwiceBothEnvelopes(event('click', address, key, { at: iso(clickAt) }));
    const after = await getContact(key);
    expect(after?.lastActivityAt).toBe(iso(clickAt));
    expect(after?.expiresAt).toBe(iso(new Date(clickAt).setUTCFullYear(new Date(clickAt).getUTCFullYear() + 3)));
    expect(await getSuppression(key)).toBeUndefined();
  });

  it.each<[SesFixture]>([['open'], ['reject'], ['rendering-failure'], ['delivery-delay']])(
    '%s: nothing changes',
    async (name) => {
      const { address, key } = await seedContact();
      const before = await getContact(key);
      await deliverTwiceBothEnvelopes(event(name, address, key));
      expect(await getContact(key)).toEqual(before);
      expect(await getSuppression(key)).toBeUndefined();
    },
  );

  it.each<[SesFixture]>([['delivery'], ['send']])('%s: last solicitation time only', async (name) => {
    const { address, key } = await seedContact();
    const before = await getContact(key);
    await deliverTwiceBothEnvelopes(event(name, address, key));
    const after = await getContact(key);
    expect(after?.lastSolicitedAt).toBeDefined();
    expect(after?.expiresAt).toBe(before?.expiresAt);
    expect(after?.lastActivityAt).toBe(before?.lastActivityAt);
  });
});

describe('ses-events: clicks and opens (rules.md §1, §5)', () => {
  it('a click on the unsubscribe link, a click within 2 s of the send, and an open do not extend the expiry', async () => {
    const { address, key, contact } = await seedContact();
    const sentAt = Date.now() - HOUR;
    const failures = await deliver(
      inEventBridge(
        event('click', address, key, {
          link: `${defaultSettings.unsubscribeBaseUrl}/u/k1.abc.def`,
          mailAt: iso(sentAt),
        }),
      ),
      inEventBridge(event('click', address, key, { mailAt: iso(sentAt), at: iso(sentAt + 1_500) })),
      inEventBridge(event('open', address, key, { mailAt: iso(sentAt), at: iso(sentAt + 60_000) })),
    );
    expect(failures).toEqual([]);
    const after = await getContact(key);
    expect(after?.expiresAt).toBe(contact.expiresAt);
    expect(after?.lastActivityAt).toBeUndefined();
  });

  it('a click 2 s after the send counts', async () => {
    const { address, key, contact } = await seedContact();
    const sentAt = Date.now() - HOUR;
    await deliver(inSns(event('click', address, key, { mailAt: iso(sentAt), at: iso(sentAt + 2_000) })));
    const after = await getContact(key);
    expect(after?.lastActivityAt).toBe(iso(sentAt + 2_000));
    expect(Date.parse(after?.expiresAt as string)).toBeGreaterThan(Date.parse(contact.expiresAt));
  });
});

describe('ses-events: out of order, unknown contacts, bad messages', () => {
  it('an older click after a newer one leaves the newer expiry; deliveries never move back', async () => {
    const { address, key } = await seedContact();
    const newer = Date.now() - 10 * 60_000;
    const older = Date.now() - 40 * 60_000;
    await deliver(
      inEventBridge(event('click', address, key, { at: iso(newer) })),
      inSns(event('click', address, key, { at: iso(older) })),
      inSns(event('delivery', address, key, { at: iso(newer) })),
      inEventBridge(event('delivery', address, key, { at: iso(older) })),
    );
    const after = await getContact(key);
    expect(after?.lastActivityAt).toBe(iso(newer));
    expect(after?.lastSolicitedAt).toBe(iso(newer));
  });

  it('a complaint for a contact that does not exist (yet) is stored anyway', async () => {
    const address = `inconnu.${randomBytes(4).toString('hex')}@societe.fr`;
    const key = emailSuppressionKey(address, secret) as string;
    expect(await deliver(inSns(event('complaint', address, key)))).toEqual([]);
    expect(await getSuppression(key)).toMatchObject({ reason: 'OPPOSED', sources: ['complaint'] });
  });

  it('a click or a bounce after the contact is gone changes nothing and fails nothing', async () => {
    const { address, key } = await seedContact();
    await deliver(inEventBridge(event('bounce-permanent', address, key)));
    expect(
      await deliver(inEventBridge(event('click', address, key)), inSns(event('bounce-transient', address, key))),
    ).toEqual([]);
    expect(await getContact(key)).toBeUndefined();
  });

  it('a complaint after a hard bounce turns BOUNCED into OPPOSED (an opposition outranks a bounce)', async () => {
    const { address, key } = await seedContact();
    await deliver(
      inEventBridge(event('bounce-permanent', address, key)),
      inEventBridge(event('complaint', address, key)),
    );
    expect(await getSuppression(key)).toMatchObject({ reason: 'OPPOSED', sources: ['hard-bounce', 'complaint'] });
    expect((await oppositionEntries(key)).map((e) => e.payload.source)).toEqual(['hard-bounce', 'complaint']);
  });

  it('partial batch failure: a malformed message fails alone; an unknown type is acknowledged', async () => {
    const { address, key } = await seedContact();
    const good = inEventBridge(event('complaint', address, key));
    const unknown = inEventBridge({ eventType: 'Teleported', mail: { destination: [address] } });
    const malformed = inSns({ eventType: 'Bounce', mail: { destination: [address] } });
    const batch = sqsEvent([good, unknown, malformed]);
    const out = await handler(batch, context);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: batch.Records[2]?.messageId }]);
    expect(await getSuppression(key)).toMatchObject({ reason: 'OPPOSED' });
  });
});

describe('ses-events: soft bounces (rules.md §8: 3 within 30 days)', () => {
  it('two soft bounces are counted (a repeat once); the third makes the address BOUNCED and deletes the contact', async () => {
    const { address, key } = await seedContact();
    const base = Date.now();
    const t = (h: number) => iso(base - h * HOUR);
    const bounce = (at: string) => event('bounce-transient', address, key, { at });
    await deliver(inEventBridge(bounce(t(48))), inSns(bounce(t(48))), inSns(bounce(t(24))));
    expect((await getContact(key))?.softBounces).toEqual([t(48), t(24)]);
    expect(await getSuppression(key)).toBeUndefined();

    await deliver(inEventBridge(bounce(t(1))));
    expect(await getSuppression(key)).toMatchObject({ reason: 'BOUNCED', sources: ['soft-bounces'] });
    expect(await getContact(key)).toBeUndefined();
  });

  it('soft bounces further apart than the window never add up', async () => {
    const { address, key } = await seedContact();
    const base = Date.now();
    const days = (d: number) => iso(base - d * 24 * HOUR);
    await deliver(
      inSns(event('bounce-transient', address, key, { at: days(100) })),
      inSns(event('bounce-transient', address, key, { at: days(60) })),
      inSns(event('bounce-transient', address, key, { at: days(20) })),
    );
    expect(await getSuppression(key)).toBeUndefined();
    expect((await getContact(key))?.softBounces).toEqual([days(20)]);
  });
});

describe('ses-events: the opposition holds for good (rules.md §0.3, §2)', () => {
  it('an opposition of jdupont@gmail.com blocks J.Dupont+x@gmail.com and googlemail.com (same key)', async () => {
    const local = `jdupont${randomBytes(3).toString('hex')}`;
    await deliver(inEventBridge(event('complaint', `${local}@gmail.com`, null)));
    const variants = [`J.D${local.slice(2)}+x@gmail.com`, `j.dupont.${local.slice(7)}+promo@googlemail.com`];
    const keys = variants.map((v) => emailSuppressionKey(v, secret) as string);
    const found = await lookupSuppressions(keys);
    expect(keys.every((k) => found.get(k)?.reason === 'OPPOSED')).toBe(true);
  });

  it('after an opposition, the key stays suppressed when the contact is deleted (purge or erasure)', async () => {
    const { address, key } = await seedContact();
    await deliver(inSns(event('subscription', address, key)));
    expect(await deleteContact(key)).toBeDefined();
    expect(await getContact(key)).toBeUndefined();
    expect(await getSuppression(key)).toMatchObject({ reason: 'OPPOSED', sources: ['ses-subscription'] });
  });
});

describe('ses-events: re-import after the opposition (rules.md §4 R3)', () => {
  it('the contact bounced or opposed, then deleted: re-importing the list rejects it OPPOSED / BOUNCED', async () => {
    const opposed = await seedContact();
    const bounced = await seedContact();
    await deliver(
      inEventBridge(event('complaint', opposed.address, opposed.key)),
      inSns(event('bounce-permanent', bounced.address, bounced.key)),
    );
    await deleteContact(opposed.key);
    const [local, domain] = opposed.address.split('@') as [string, string];
    const csv = Buffer.from(
      [
        'email;first_name;last_name;company;job_title',
        `${local.toUpperCase()}+salon@${domain.toUpperCase()};Jean;Dupont;Société;Responsable achats`,
        `${bounced.address};Jean;Dupont;Société;Responsable achats`,
        '',
      ].join('\n'),
    );
    const listId = `reimport-${randomBytes(3).toString('hex')}`;
    const key = await uploadList(tradeShowManifest(listId, csv), csv);
    const result = await ingestList(key, defaultSettings, new Date());
    expect(result.byReason).toMatchObject({ OPPOSED: 1, BOUNCED: 1 });
    expect(result.rows).toMatchObject({ total: 2, accepted: 0 });
    expect(await getContact(opposed.key)).toBeUndefined();
    expect(await getContact(bounced.key)).toBeUndefined();
  });
});

describe('ses-events: logs', () => {
  it('no log line holds an address or a phone number', () => {
    const text = logs.text();
    expect(text).toContain('SES event applied');
    expect(text).toContain('SES message failed');
    expect(text).toContain('SES message ignored');
    expect(text).not.toMatch(PERSONAL_DATA);
    // suppression keys appear as an 8-digit tag, never whole (issue 19: logs outlive an erasure)
    expect(text).not.toMatch(/[0-9a-f]{64}/);
  });
});
