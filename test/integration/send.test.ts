/**
 * Campaign sending (issue 6) on DynamoDB Local + aws-ses-v2-local: the gate at send time,
 * SESv2 with the one-click unsubscribe headers, at most once under SQS redelivery.
 */
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Contact } from '#domain/contact';
import { emailSuppressionKey, phoneSuppressionKey } from '#domain/keys';
import type { SendReason } from '#domain/reasons';
import { verifyUnsubscribeToken } from '#domain/unsubscribe-token';
import type { Campaign } from '#schemas/campaign';
import { settingsSchema } from '#schemas/settings';
import { ingestListOnceHere as ingestListOnce } from '#shared/flows/ingest-list';
import { recordSuppression } from '#shared/flows/oppositions';
import { type CampaignReport, type QueuedSend, sendCampaign } from '#shared/flows/send-campaign';
import { sendBatch } from '#shared/flows/send-message';
import { getContact, putNewContacts } from '#store/contacts';
import { ledgerEntriesFor } from '#store/ledger';
import { objectBytes, objectKeys } from '#store/objects';
import { getSend } from '#store/sends';
import { LocalSmsOutbox } from '#store/sms';
import { processSendQueue } from '../../functions/send-message/handler.ts';
import { tradeShowManifest, uploadList } from '../support/lists.ts';
import { type CapturedLogs, captureLogs, PERSONAL_DATA } from '../support/logs.ts';
import { sendingTest, useSendingEmulators } from '../support/sending.ts';

// a Friday, 11:00 in Paris: inside the SMS window
const now = new Date('2026-11-20T10:00:00Z');
const DAY = 86_400_000;
const startedAt = new Date();
const test = sendingTest();
const { run, settingsInput, settings, secrets } = test;
let logs: CapturedLogs;

beforeAll(async () => {
  await useSendingEmulators(test);
  logs = captureLogs();
});

afterAll(() => logs.restore());

// ---------------------------------------------------------------------------------------
// builders

let seq = 0;
/** A contact as the ingestion stores it; the address is unique to this run. */
function contact(listId: string, fields: Partial<Contact> & { local?: string; domain?: string }): Contact {
  const { local, domain, ...rest } = fields;
  const email = `${local ?? `p${++seq}`}@${domain ?? `btp-${run}.fr`}`;
  return {
    suppressionKey: emailSuppressionKey(email, secrets.suppressionKeySecret) as string,
    email,
    firstName: 'Camille',
    lastName: 'Martin',
    company: 'BTP Durand',
    kind: 'professional',
    bases: { email: 'b2b-interest' },
    listId,
    listIds: [listId],
    collector: 'Salon Batimat SAS',
    sourceKind: 'event',
    collectedAt: '2026-10-05T00:00:00.000Z',
    productCategories: [],
    informAtFirstMessage: false,
    expiresAt: new Date(now.getTime() + 900 * DAY).toISOString(),
    ...rest,
  };
}

function emailCampaign(campaignId: string, lists: string[], overrides: Partial<Campaign> = {}): Campaign {
  return {
    campaignId,
    advertiser: 'Acme SAS',
    purpose: 'commercial-prospecting',
    channel: 'email',
    productCategory: 'disques',
    jobFunctions: ['achats'],
    energyRenovation: false,
    contractInProgress: false,
    audience: { lists },
    message: {
      from: 'Acme <offres@acme.fr>',
      subject: `Nos offres ${campaignId}`,
      text: 'Bonjour {{firstName}}, Acme SAS vous présente ses offres.\nSe désinscrire : {{unsubscribeUrl}}',
      html: '<p>Bonjour, <b>Acme SAS</b> vous présente ses offres.</p><p><a href="{{unsubscribeUrl}}">Se désinscrire</a></p>',
    },
    ...overrides,
  };
}

/** A queue that keeps what it is given. */
function capturingQueue(): { messages: QueuedSend[]; enqueue: (m: QueuedSend[]) => Promise<void> } {
  const messages: QueuedSend[] = [];
  return { messages, enqueue: async (m) => void messages.push(...m) };
}

function sqsEvent(messages: readonly QueuedSend[]): SQSEvent {
  return {
    Records: messages.map(({ delaySeconds: _d, ...body }, i) => ({
      messageId: `m-${i}`,
      receiptHandle: `m-${i}`,
      body: JSON.stringify(body),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'test',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-3:000000000000:send',
      awsRegion: 'eu-west-3',
    })),
  };
}

interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
  headers?: { name: string; value: string }[];
}

/** The mail aws-ses-v2-local received for these addresses (the emulator is shared by every test file). */
async function mailTo(addresses: readonly string[]): Promise<StoredEmail[]> {
  const res = await fetch(`${process.env.AWS_ENDPOINT_URL_SESV2}/store`);
  const { emails } = (await res.json()) as { emails: StoredEmail[] };
  const wanted = new Set(addresses);
  return emails.filter((e) => e.destination.to.some((to) => wanted.has(to)));
}

const header = (mail: StoredEmail, name: string) => mail.headers?.find((h) => h.name === name)?.value;

async function storedReport(campaignId: string): Promise<CampaignReport> {
  return JSON.parse((await objectBytes(objectKeys.campaignReport(campaignId))).toString('utf8')) as CampaignReport;
}

const decisionOf = (report: CampaignReport, c: Contact) =>
  report.decisions.find((d) => d.suppressionKey === c.suppressionKey);

// ---------------------------------------------------------------------------------------

describe('a campaign over a mixed audience', () => {
  const salon = `salon-${run}`;
  const clients = `clients-${run}`;
  const other = `autre-${run}`;
  const c = {
    buyer: contact(salon, { jobTitle: 'Responsable achats' }),
    generic: contact(salon, {
      local: 'contact',
      kind: 'generic',
      bases: { email: 'legal-person' },
      jobTitle: undefined,
    }),
    consumer: contact(clients, {
      domain: `mail-${run}.fr`,
      kind: 'consumer',
      bases: { email: 'consent' },
      consent: {
        mechanism: 'case à cocher',
        scope: 'advertiser',
        namedPartners: [],
        consentAt: '2026-09-01T10:00:00.000Z',
        listId: clients,
      },
      collector: 'Acme SAS',
      sourceKind: 'own-form',
    }),
    opposed: contact(salon, { jobTitle: 'Acheteuse' }),
    bounced: contact(salon, { jobTitle: 'Acheteur' }),
    opposedPhone: contact(salon, { jobTitle: 'Directeur achats', phone: '+33612345601' }),
    expired: contact(salon, { jobTitle: 'Responsable achats', expiresAt: '2026-11-19T00:00:00.000Z' }),
    unrelated: contact(salon, { jobTitle: 'Comptable' }),
    smsOnly: contact(clients, {
      domain: `mail-${run}.fr`,
      kind: 'consumer',
      bases: { sms: 'consent' },
      phone: '+33612345602',
    }),
    softOptIn: contact(clients, {
      domain: `mail-${run}.fr`,
      kind: 'consumer',
      bases: { email: 'soft-opt-in' },
      productCategories: ['livres'],
      collector: 'Acme SAS',
    }),
    notInAudience: contact(other, { jobTitle: 'Responsable achats' }),
  };
  const expected: Record<keyof typeof c, 'send' | SendReason | 'absent'> = {
    buyer: 'send',
    generic: 'send',
    consumer: 'send',
    opposed: 'OPPOSED',
    bounced: 'BOUNCED',
    opposedPhone: 'OPPOSED',
    expired: 'RET_EXPIRED',
    unrelated: 'B2B_UNRELATED',
    smsOnly: 'CONSENT_WRONG_CHANNEL',
    softOptIn: 'SOFTOPTIN_NOT_ANALOGOUS',
    notInAudience: 'absent',
  };
  const campaign = emailCampaign(`mixte-${run}`, [salon, clients]);
  let report: CampaignReport;
  let queued: QueuedSend[];
  let mail: StoredEmail[];

  beforeAll(async () => {
    c.opposedPhone.phoneKey = phoneSuppressionKey(c.opposedPhone.phone as string, secrets.suppressionKeySecret);
    c.smsOnly.phoneKey = phoneSuppressionKey(c.smsOnly.phone as string, secrets.suppressionKeySecret);
    await putNewContacts(Object.values(c), settings);
    const at = new Date(now.getTime() - 30 * DAY);
    await recordSuppression({ suppressionKey: c.opposed.suppressionKey, reason: 'OPPOSED', source: 'written', at });
    await recordSuppression({ suppressionKey: c.bounced.suppressionKey, reason: 'BOUNCED', source: 'hard-bounce', at });
    await recordSuppression({
      suppressionKey: c.opposedPhone.phoneKey as string,
      reason: 'OPPOSED',
      source: 'sms-stop',
      at,
      channel: 'sms',
    });
    const queue = capturingQueue();
    report = (await sendCampaign(campaign, { now, settings, enqueue: queue.enqueue })).report;
    queued = queue.messages;
    const results = await processSendQueue(sqsEvent(queued));
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    mail = await mailTo(Object.values(c).map((x) => x.email as string));
  });

  it('exactly the allowed contacts receive one mail each', () => {
    const allowed = Object.entries(expected)
      .filter(([, e]) => e === 'send')
      .map(([k]) => c[k as keyof typeof c].email);
    expect(mail.map((m) => m.destination.to[0]).sort()).toEqual([...allowed].sort());
    expect(queued.map((q) => q.suppressionKey).sort()).toEqual(
      Object.entries(expected)
        .filter(([, e]) => e === 'send')
        .map(([k]) => c[k as keyof typeof c].suppressionKey)
        .sort(),
    );
  });

  it('each mail carries both List-Unsubscribe headers with a token that verifies, and the link in the body', () => {
    for (const m of mail) {
      const to = Object.values(c).find((x) => x.email === m.destination.to[0]) as Contact;
      const value = header(m, 'List-Unsubscribe') as string;
      expect(value).toMatch(/^<https:\/\/desinscription\.acme\.fr\/u\/[^>]+>$/);
      expect(header(m, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      const url = value.slice(1, -1);
      const token = url.split('/u/')[1] as string;
      // the handler signs with the clock
      expect(verifyUnsubscribeToken(token, secrets.tokenKeys, new Date())).toMatchObject({
        ok: true,
        suppressionKey: to.suppressionKey,
        campaignId: campaign.campaignId,
      });
      expect(m.body.text).toContain(url);
      expect(m.body.html).toContain(url);
      expect(m.body.text).not.toContain('{{');
      expect(m.from).toBe('Acme <offres@acme.fr>');
    }
  });

  it('the report counts and explains every decision, without personal data', async () => {
    const stored = await storedReport(campaign.campaignId);
    expect(stored).toEqual(report);
    expect(report.status).toBe('accepted');
    expect(report.counts).toMatchObject({ audience: 10, send: 3, skip: 7, defer: 0, queued: 3 });
    for (const [name, outcome] of Object.entries(expected)) {
      const d = decisionOf(report, c[name as keyof typeof c]);
      if (outcome === 'absent') expect(d, name).toBeUndefined();
      else if (outcome === 'send') expect(d, name).toMatchObject({ status: 'send', reasons: [] });
      else expect(d?.reasons, name).toContain(outcome);
    }
    expect(decisionOf(report, c.buyer)?.listId).toBe(salon);
    expect(report.byReason.OPPOSED).toBe(2);
    expect(JSON.stringify(stored)).not.toMatch(PERSONAL_DATA);
  });

  it('records the send, the solicitation and its evidence', async () => {
    const record = await getSend(campaign.campaignId, c.buyer.suppressionKey);
    expect(record).toMatchObject({ status: 'sent', channel: 'email' });
    expect(mail.map((m) => m.messageId)).toContain(record?.messageId);
    // the handler runs on the clock
    expect(Date.parse((await getContact(c.buyer.suppressionKey))?.lastSolicitedAt as string)).toBeGreaterThanOrEqual(
      startedAt.getTime(),
    );
    expect((await getContact(c.unrelated.suppressionKey))?.lastSolicitedAt).toBeUndefined();
    const entries = await ledgerEntriesFor(c.buyer.suppressionKey);
    expect(entries.filter((e) => e.type === 'contact-solicited')).toEqual([
      expect.objectContaining({ payload: { campaignId: campaign.campaignId, channel: 'email' } }),
    ]);
  });

  it('an SQS redelivery of the batch sends nothing twice', async () => {
    const again = await sendBatch(
      queued.map(({ delaySeconds: _d, ...m }) => JSON.stringify(m)),
      () => now,
      { settings, secrets },
    );
    expect(again.map((r) => r.ok && r.outcome.status)).toEqual(queued.map(() => 'duplicate'));
    expect(await mailTo(Object.values(c).map((x) => x.email as string))).toHaveLength(mail.length);
  });

  it('running the campaign again queues nobody already sent', async () => {
    const queue = capturingQueue();
    const second = (await sendCampaign(campaign, { now, settings, enqueue: queue.enqueue })).report;
    expect(queue.messages).toEqual([]);
    expect(second.counts).toMatchObject({ send: 3, alreadyHandled: 3, queued: 0 });
    expect(second.previousRuns).toEqual({ sent: 3 });
    expect(decisionOf(second, c.buyer)?.previously).toBe('sent');
  });
});

describe('an opposition recorded between the campaign run and the send', () => {
  it('blocks the message at send time', async () => {
    const list = `revirement-${run}`;
    const stays = contact(list, { jobTitle: 'Acheteur' });
    const objects = contact(list, { jobTitle: 'Acheteuse' });
    await putNewContacts([stays, objects], settings);
    const campaign = emailCampaign(`revirement-${run}`, [list]);
    const queue = capturingQueue();
    await sendCampaign(campaign, { now, settings, enqueue: queue.enqueue });
    expect(queue.messages).toHaveLength(2);

    await recordSuppression({ suppressionKey: objects.suppressionKey, reason: 'OPPOSED', source: 'written', at: now });
    const results = await sendBatch(
      queue.messages.map((m) => JSON.stringify(m)),
      () => now,
      { settings, secrets },
    );
    const byKey = new Map(results.map((r) => [r.ok && r.suppressionKey, r.ok && r.outcome]));
    expect(byKey.get(objects.suppressionKey)).toEqual({ status: 'skipped', reasons: ['OPPOSED'] });
    expect(byKey.get(stays.suppressionKey)).toMatchObject({ status: 'sent' });
    expect((await mailTo([stays.email as string, objects.email as string])).map((m) => m.destination.to[0])).toEqual([
      stays.email,
    ]);
    expect(await getSend(campaign.campaignId, objects.suppressionKey)).toMatchObject({
      status: 'skipped',
      reasons: ['OPPOSED'],
    });
  });
});

describe('refused campaigns send nothing and say why', () => {
  const list = `refus-${run}`;
  const target = contact(list, { jobTitle: 'Responsable achats', phone: '+33612345603' });
  beforeAll(async () => {
    target.bases = { email: 'b2b-interest', sms: 'b2b-interest' };
    await putNewContacts([target], settings);
  });

  const base = emailCampaign('x', [list]);
  const cases: { name: string; reason: string; campaign: Partial<Campaign> }[] = [
    {
      name: 'no advertiser in the body',
      reason: 'CONTENT_NO_IDENTITY',
      campaign: { message: { ...base.message, text: 'Nos offres. {{unsubscribeUrl}}', html: undefined } },
    },
    {
      name: 'no unsubscribe placeholder',
      reason: 'CONTENT_NO_OPTOUT',
      campaign: { message: { ...base.message, text: 'Acme SAS vous écrit.', html: undefined } },
    },
    {
      name: 'SMS sender not a short code',
      reason: 'SMS_BAD_SENDER',
      campaign: { channel: 'sms', message: { text: 'Acme SAS : -20 %. STOP au 0612345678', smsSender: '0612345678' } },
    },
    {
      name: 'purpose other than prospecting',
      reason: 'PURPOSE_INCOMPATIBLE',
      campaign: { purpose: 'customer-management' },
    },
  ];
  it.each(cases)('$name → $reason', async ({ reason, campaign: overrides }) => {
    const campaign = { ...base, ...overrides, campaignId: `refus-${reason.toLowerCase().replace(/_/g, '-')}-${run}` };
    const queue = capturingQueue();
    const { report } = await sendCampaign(campaign, { now, settings, enqueue: queue.enqueue });
    expect(queue.messages).toEqual([]);
    expect(report).toMatchObject({ status: 'rejected', counts: { audience: 0, queued: 0 }, decisions: [] });
    expect(report.reasons).toContain(reason);
    expect(await storedReport(campaign.campaignId)).toEqual(report);
    expect(await mailTo([target.email as string])).toEqual([]);
  });
});

describe('contacts to inform at their first message (rules.md §7)', () => {
  it('the first message names the source and the right to object, the second does not', async () => {
    const list = `tiers-${run}`;
    const informed = contact(list, {
      jobTitle: 'Responsable achats',
      informAtFirstMessage: true,
      collector: 'Kompass France SAS',
    });
    await putNewContacts([informed], settings);
    const sendAll = async (campaignId: string) => {
      const queue = capturingQueue();
      const base = emailCampaign(campaignId, [list]);
      // rules.md §6: the message gives the source its place, {{source}}
      const campaign = {
        ...base,
        message: {
          ...base.message,
          text: `{{source}}\n\n${base.message.text}`,
          html: `<p>{{source}}</p>${base.message.html}`,
        },
      };
      await sendCampaign(campaign, { now, settings, enqueue: queue.enqueue });
      return sendBatch(
        queue.messages.map((m) => JSON.stringify(m)),
        () => now,
        { settings, secrets },
      );
    };
    expect((await sendAll(`premier-${run}`))[0]).toMatchObject({ ok: true, outcome: { status: 'sent' } });
    expect((await getContact(informed.suppressionKey))?.informedAt).toBe(now.toISOString());
    expect((await sendAll(`second-${run}`))[0]).toMatchObject({ ok: true, outcome: { status: 'sent' } });

    const mail = await mailTo([informed.email as string]);
    const first = mail.find((m) => m.subject.includes(`premier-${run}`)) as StoredEmail;
    const second = mail.find((m) => m.subject.includes(`second-${run}`)) as StoredEmail;
    expect(first.body.text).toContain('Kompass France SAS');
    expect(first.body.text).toMatch(/vous opposer/);
    expect(first.body.html).toContain('Kompass France SAS');
    expect(second.body.text).not.toContain('Kompass France SAS');
    expect(second.body.html).not.toContain('Kompass France SAS');
  });
});

describe('the frequency cap (rules.md §6 FREQ_CAP, a setting)', () => {
  it('counts the messages kept on the contact by the sender', async () => {
    const capped = settingsSchema.parse({ ...settingsInput, frequencyCap: { maxMessages: 1, perDays: 30 } });
    const list = `plafond-${run}`;
    const person = contact(list, { jobTitle: 'Acheteur' });
    await putNewContacts([person], capped);
    const queue = capturingQueue();
    await sendCampaign(emailCampaign(`plafond-a-${run}`, [list]), { now, settings: capped, enqueue: queue.enqueue });
    await sendBatch(
      queue.messages.map((m) => JSON.stringify(m)),
      () => now,
      { settings: capped, secrets },
    );
    expect((await getContact(person.suppressionKey))?.recentSolicitations).toEqual([now.toISOString()]);

    const later = new Date(now.getTime() + 2 * DAY);
    const next = capturingQueue();
    const { report } = await sendCampaign(emailCampaign(`plafond-b-${run}`, [list]), {
      now: later,
      settings: capped,
      enqueue: next.enqueue,
    });
    expect(next.messages).toEqual([]);
    expect(decisionOf(report, person)).toMatchObject({ status: 'skip', reasons: ['FREQ_CAP'] });
  });
});

describe('SMS', () => {
  const list = `sms-${run}`;
  const person = contact(list, {
    domain: `mail-${run}.fr`,
    kind: 'consumer',
    bases: { sms: 'consent' },
    phone: '+33612345604',
    consent: {
      mechanism: 'case à cocher',
      scope: 'advertiser',
      namedPartners: [],
      consentAt: '2026-09-01T10:00:00.000Z',
      listId: list,
    },
    collector: 'Acme SAS',
  });
  const smsCampaign = (campaignId: string): Campaign => ({
    ...emailCampaign(campaignId, [list]),
    channel: 'sms',
    message: { text: 'Acme SAS : -20 % sur les disques ce week-end. STOP au 36123', smsSender: '36123' },
  });
  beforeAll(async () => {
    person.phoneKey = phoneSuppressionKey(person.phone as string, secrets.suppressionKeySecret);
    await putNewContacts([person], settings);
  });

  it('goes through the SMS adapter with « STOP au 36123 »', async () => {
    const outbox = new LocalSmsOutbox();
    const queue = capturingQueue();
    await sendCampaign(smsCampaign(`sms-jour-${run}`), { now, settings, enqueue: queue.enqueue });
    const results = await sendBatch(
      queue.messages.map((m) => JSON.stringify(m)),
      () => now,
      { settings, secrets, sms: outbox },
    );
    expect(results[0]).toMatchObject({ ok: true, outcome: { status: 'sent' } });
    expect(outbox.sent).toEqual([
      expect.objectContaining({ to: '+33612345604', from: '36123', body: expect.stringMatching(/STOP au 36123$/) }),
    ]);
  });

  it('outside the window: deferred to a later run when the wait exceeds an SQS delay, queued with a delay when short', async () => {
    const campaign = smsCampaign(`sms-soir-${run}`);
    // Saturday 21:00 in Paris: no SMS until Monday 08:00
    const saturdayNight = new Date('2026-11-21T20:00:00Z');
    const queue = capturingQueue();
    const { report } = await sendCampaign(campaign, { now: saturdayNight, settings, enqueue: queue.enqueue });
    expect(queue.messages).toEqual([]);
    expect(decisionOf(report, person)).toMatchObject({
      status: 'defer',
      reasons: ['WINDOW'],
      notBefore: '2026-11-23T07:00:00.000Z',
    });
    expect(await getSend(campaign.campaignId, person.suppressionKey)).toMatchObject({
      status: 'deferred',
      notBefore: '2026-11-23T07:00:00.000Z',
    });

    // Monday 07:50 in Paris: the window opens in 10 minutes, within an SQS delay
    const mondayEarly = new Date('2026-11-23T06:50:00Z');
    const early = capturingQueue();
    await sendCampaign(campaign, { now: mondayEarly, settings, enqueue: early.enqueue });
    expect(early.messages).toEqual([
      { campaignId: campaign.campaignId, suppressionKey: person.suppressionKey, channel: 'sms', delaySeconds: 600 },
    ]);

    // the delayed message arrives at 08:00: sent, once
    const outbox = new LocalSmsOutbox();
    const at = new Date('2026-11-23T07:00:05Z');
    const body = JSON.stringify({
      campaignId: campaign.campaignId,
      suppressionKey: person.suppressionKey,
      channel: 'sms',
    });
    const results = await sendBatch([body, body], () => at, { settings, secrets, sms: outbox });
    expect(results.map((r) => r.ok && r.outcome.status).sort()).toEqual(['duplicate', 'sent']);
    expect(outbox.sent).toHaveLength(1);
  });
});

describe('provider errors', () => {
  const list = `erreurs-${run}`;
  const people = [0, 1, 2].map(() => contact(list, { jobTitle: 'Acheteur' }));
  const campaign = emailCampaign(`erreurs-${run}`, [list]);
  const bodyOf = (p: Contact) =>
    JSON.stringify({ campaignId: campaign.campaignId, suppressionKey: p.suppressionKey, channel: 'email' });
  const failing = (name: string, fault: 'client' | 'server') => async () => {
    throw Object.assign(new Error('refused'), {
      name,
      $fault: fault,
      $metadata: { httpStatusCode: fault === 'client' ? 400 : 500 },
    });
  };
  const noWait = { maxAttempts: 3, sleep: async () => undefined };
  beforeAll(async () => {
    await putNewContacts(people, settings);
    await sendCampaign(campaign, { now, settings, enqueue: async () => undefined });
  });

  it('throttled past every retry: the claim is given back and the message fails for SQS to redeliver; the redelivery sends', async () => {
    const [p] = people as [Contact];
    let calls = 0;
    const throttled = async () => {
      calls++;
      throw Object.assign(new Error('slow down'), { name: 'TooManyRequestsException', $fault: 'client' });
    };
    const [result] = await sendBatch([bodyOf(p)], () => now, {
      settings,
      secrets,
      sendEmail: throttled,
      retry: noWait,
    });
    expect(result).toMatchObject({ ok: false, error: { name: 'StillThrottled' } });
    expect(calls).toBe(3);
    expect(await getSend(campaign.campaignId, p.suppressionKey)).toBeUndefined();
    const [again] = await sendBatch([bodyOf(p)], () => now, { settings, secrets });
    expect(again).toMatchObject({ ok: true, outcome: { status: 'sent' } });
  });

  it('a permanent refusal (MessageRejected) is marked failed and not retried', async () => {
    const p = people[1] as Contact;
    const [result] = await sendBatch([bodyOf(p)], () => now, {
      settings,
      secrets,
      sendEmail: failing('MessageRejected', 'client'),
      retry: noWait,
    });
    expect(result).toMatchObject({ ok: true, outcome: { status: 'failed', error: 'MessageRejected' } });
    expect(await getSend(campaign.campaignId, p.suppressionKey)).toMatchObject({
      status: 'failed',
      error: 'MessageRejected',
    });
  });

  it('an unknown outcome keeps the claim: never sent twice, reported as unconfirmed by the next run', async () => {
    const p = people[2] as Contact;
    const [result] = await sendBatch([bodyOf(p)], () => now, {
      settings,
      secrets,
      sendEmail: failing('InternalFailure', 'server'),
      retry: noWait,
    });
    expect(result).toMatchObject({ ok: true, outcome: { status: 'unconfirmed' } });
    const [again] = await sendBatch([bodyOf(p)], () => now, { settings, secrets });
    expect(again).toMatchObject({ ok: true, outcome: { status: 'duplicate' } });
    expect(await mailTo([p.email as string])).toEqual([]);
    const queue = capturingQueue();
    const { report } = await sendCampaign(campaign, { now, settings, enqueue: queue.enqueue });
    expect(report.previousRuns).toMatchObject({ sent: 1, failed: 1, unconfirmed: 1 });
    // the failed one is queued again (SES took nothing), the unconfirmed one never
    expect(queue.messages.map((m) => m.suppressionKey)).toEqual([(people[1] as Contact).suppressionKey]);
  });
});

describe('the send-campaign function', () => {
  it('reads the campaign named by an SQS-wrapped S3 notification (key URL-encoded) and reports a refusal', async () => {
    const { handler } = await import('../../functions/send-campaign/handler.ts');
    const { putObject } = await import('#store/objects');
    const campaign = emailCampaign(`fonction-${run}`, [`vide-${run}`], {
      message: { from: 'Acme <offres@acme.fr>', subject: 'Offres', text: 'Acme SAS, sans lien.' },
    });
    const key = `campaigns/${campaign.campaignId}.json`;
    await putObject(key, JSON.stringify(campaign), 'application/json');
    const notification = {
      Records: [
        {
          eventName: 'ObjectCreated:Put',
          s3: {
            bucket: { name: process.env.BUCKET_NAME },
            object: { key: encodeURIComponent(key).replace(/%2F/g, '/') },
          },
        },
      ],
    };
    const event = {
      Records: [{ messageId: 'c-1', receiptHandle: 'c-1', body: JSON.stringify(notification), eventSource: 'aws:sqs' }],
    };
    const out = await handler(event as never, { getRemainingTimeInMillis: () => 60_000 } as never);
    expect(out).toEqual({ batchItemFailures: [] });
    expect(await storedReport(campaign.campaignId)).toMatchObject({
      status: 'rejected',
      reasons: ['CONTENT_NO_OPTOUT'],
    });
  });
});

describe('hygiene send', () => {
  it('runs the campaign in process: exit 0 and a French summary; exit 1 for a refused campaign', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { run: send } = await import('../../cli/send.ts');
    const list = `cli-${run}`;
    const buyer = contact(list, { jobTitle: 'Acheteuse' });
    const unrelated = contact(list, { jobTitle: 'Comptable' });
    await putNewContacts([buyer, unrelated], settings);
    const dir = await mkdtemp(join(tmpdir(), 'hygiene-send-'));
    const accepted = join(dir, 'accepted.json');
    await writeFile(accepted, JSON.stringify(emailCampaign(`cli-${run}`, [list])));
    const before = logs.text().length;
    expect(await send([accepted, '--now', now.toISOString()])).toBe(0);
    const printed = logs.text().slice(before);
    expect(printed).toContain(`Campagne cli-${run} : ACCEPTÉE`);
    expect(printed).toMatch(/envoyés : 1/);
    expect(printed).toMatch(/B2B_UNRELATED\s+1/);
    expect((await mailTo([buyer.email as string, unrelated.email as string])).map((m) => m.destination.to[0])).toEqual([
      buyer.email,
    ]);

    const refused = join(dir, 'refused.json');
    await writeFile(refused, JSON.stringify(emailCampaign(`cli-refus-${run}`, [list], { purpose: 'support' })));
    const mark = logs.text().length;
    expect(await send([refused, '--json', '--now', now.toISOString()])).toBe(1);
    const json = JSON.parse(logs.text().slice(mark).trim().split('\n').pop() as string);
    expect(json).toMatchObject({ status: 'rejected', reasons: ['PURPOSE_INCOMPATIBLE'] });
  });
});

describe('audience by list: every list that brought a contact', () => {
  it('a contact another list brought again stays in the audience of the first one, counted once', async () => {
    const first = `premier-${run}`;
    const second = `second-${run}`;
    const both = `both.${run}@btp-durand.fr`;
    const only = `only.${run}@btp-durand.fr`;
    const ingest = async (listId: string, emails: string[]) => {
      const data = Buffer.from(`email;job_title\n${emails.map((e) => `${e};Responsable achats`).join('\n')}\n`);
      await ingestListOnce(await uploadList(tradeShowManifest(listId, data), data), settings, now);
    };
    await ingest(first, [both, only]);
    await ingest(second, [both]);
    const keyOf = (email: string) => emailSuppressionKey(email, secrets.suppressionKeySecret) as string;
    // the contact names the last list that brought it
    expect((await getContact(keyOf(both)))?.listId).toBe(second);

    const audienceOf = async (campaignId: string, lists: string[]) => {
      const { report } = await sendCampaign(emailCampaign(campaignId, lists), {
        now,
        settings,
        enqueue: capturingQueue().enqueue,
      });
      return report.decisions.map((d) => d.suppressionKey).sort();
    };
    expect(await audienceOf(`first-${run}`, [first])).toEqual([keyOf(both), keyOf(only)].sort());
    expect(await audienceOf(`second-${run}`, [second])).toEqual([keyOf(both)]);
    expect(await audienceOf(`union-${run}`, [first, second])).toEqual([keyOf(both), keyOf(only)].sort());
  });
});

describe('logs', () => {
  it('no log line holds an address or a phone number', () => {
    const text = logs.text();
    expect(text).toContain('message handled');
    expect(text).not.toMatch(PERSONAL_DATA);
    // suppression keys appear as an 8-digit tag, never whole (issue 19: logs outlive an erasure)
    expect(text).not.toMatch(/[0-9a-f]{64}/);
  });
});
