/**
 * Tracking only with consent (issue 20, rules.md §7b), on DynamoDB Local and the SES
 * emulator: a campaign to tracked and untracked contacts sends each through the right
 * configuration set (read back from the local record of sends, since the emulator drops
 * it), the campaign report counts them, the withdrawal link's GET changes nothing and its
 * POST withdraws at once, and a click after a withdrawal stores nothing.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Contact } from '#domain/contact';
import { emailSuppressionKey } from '#domain/keys';
import { createTrackingToken } from '#domain/unsubscribe-token';
import type { Campaign } from '#schemas/campaign';
import { handleSesMessage } from '#shared/flows/oppositions';
import { type CampaignReport, type QueuedSend, sendCampaign } from '#shared/flows/send-campaign';
import { sendBatch } from '#shared/flows/send-message';
import { getContact, putNewContacts } from '#store/contacts';
import { readLocalSends } from '#store/email';
import { ledgerEntriesFor } from '#store/ledger';
import { getSuppression } from '#store/suppressions';
import { serveFunctionUrl } from '../../functions/unsubscribe/handler.ts';
import { type CapturedLogs, captureLogs, PERSONAL_DATA } from '../support/logs.ts';
import { emailCampaignTo, sendingTest, storedContact, useSendingEmulators } from '../support/sending.ts';
import { inEventBridge, sesRecord } from '../support/ses-events.ts';

const test = sendingTest();
const { run, settings, secrets } = test;
const now = new Date('2027-03-02T09:00:00Z');
let logs: CapturedLogs;

const listId = `suivi-${run}`;
const campaignId = `mesure-${run}`;
const email = (who: string) => `${who}-${run}@exemple-${run}.fr`;
const keyOf = (address: string) => emailSuppressionKey(address, secrets.suppressionKeySecret) as string;
const consent = {
  at: '2026-09-01T00:00:00.000Z',
  wording: "J'accepte la mesure d'ouverture",
  wordingVersion: 't1',
  listId,
};

const contact = (who: string, tracking: boolean): Contact =>
  storedContact(email(who), keyOf(email(who)), listId, tracking ? { trackingConsent: consent } : {});
const campaign: Campaign = emailCampaignTo(campaignId, listId, {
  subject: 'Nos offres',
  text: 'Acme SAS vous présente ses offres.\nSe désinscrire : {{unsubscribeUrl}}\nNe plus mesurer l’ouverture : {{trackingOptOutUrl}}',
});

function request(method: string, path: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'x.lambda-url.eu-west-3.on.aws' },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'x',
      domainName: 'x.lambda-url.eu-west-3.on.aws',
      domainPrefix: 'x',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'Mozilla/5.0' },
      requestId: 'r',
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(method === 'POST' ? { body: 'confirm=1' } : {}),
    isBase64Encoded: false,
  };
}

let report: CampaignReport;

beforeAll(async () => {
  await useSendingEmulators(test);
  process.env.SES_SENDS_LOG = join(await mkdtemp(join(tmpdir(), 'sends-')), 'ses-sends.jsonl');
  logs = captureLogs();
  await putNewContacts([contact('mesure', true), contact('sans', false), contact('retire', true)], settings);
  const queued: QueuedSend[] = [];
  report = (
    await sendCampaign(campaign, {
      now,
      settings,
      enqueue: async (m) => {
        queued.push(...m);
      },
    })
  ).report;
  await sendBatch(
    queued.map(({ delaySeconds: _d, ...m }) => JSON.stringify(m)),
    () => now,
    { settings, secrets },
  );
}, 60_000);

afterAll(() => {
  logs.restore();
  delete process.env.SES_SENDS_LOG;
});

describe('two configuration sets (rules.md §7b)', () => {
  it('each message goes through the set its contact allows, and the report counts them', async () => {
    expect(report.counts).toMatchObject({ send: 3, tracked: 2, untracked: 1 });
    const sends = (await readLocalSends()).filter((s) => s.campaignId === campaignId);
    const setOf = (who: string) => sends.find((s) => s.to === email(who))?.configurationSet;
    expect(setOf('mesure')).toBe(settings.trackedConfigurationSet);
    expect(setOf('retire')).toBe(settings.trackedConfigurationSet);
    expect(setOf('sans')).toBe(settings.configurationSet);
  });
});

describe('the withdrawal link (rules.md §7b)', () => {
  const token = () => createTrackingToken({ suppressionKey: keyOf(email('retire')), campaignId }, secrets, new Date());

  it('GET shows a French page and changes nothing', async () => {
    const out = await serveFunctionUrl(request('GET', `/t/${token()}`));
    expect(out.statusCode).toBe(200);
    expect(out.body).toContain('Ne plus mesurer');
    expect((await getContact(keyOf(email('retire'))))?.trackingConsent).toEqual(consent);
  });

  it('POST withdraws at once, with its ledger entry; it is not an opposition', async () => {
    const out = await serveFunctionUrl(request('POST', `/t/${token()}`));
    expect(out.statusCode).toBe(200);
    expect(out.body).toContain('Mesure désactivée');
    const stored = await getContact(keyOf(email('retire')));
    expect(stored?.trackingConsent).toBeUndefined();
    expect(stored?.trackingWithdrawnAt).toBeDefined();
    expect(await getSuppression(keyOf(email('retire')))).toBeUndefined();
    expect((await ledgerEntriesFor(keyOf(email('retire')))).map((e) => e.type)).toContain('tracking-withdrawn');
  });

  it('an unsubscribe link is not a withdrawal link (a tracking token at /u/ is refused)', async () => {
    const out = await serveFunctionUrl(request('POST', `/u/${token()}`));
    expect(out.statusCode).toBe(400);
    expect(await getSuppression(keyOf(email('retire')))).toBeUndefined();
  });

  it('a click after the withdrawal is discarded; another contact’s click still counts', async () => {
    const click = (who: string) =>
      handleSesMessage(
        inEventBridge(
          sesRecord('click', {
            to: email(who),
            contactId: keyOf(email(who)),
            campaignId,
            mailAt: now.toISOString(),
            at: new Date(now.getTime() + 3_600_000).toISOString(),
          }),
        ),
        { now: new Date(now.getTime() + 7_200_000), settings, suppressionKeySecret: secrets.suppressionKeySecret },
      );
    await click('retire');
    await click('mesure');
    expect((await getContact(keyOf(email('retire'))))?.lastActivityAt).toBeUndefined();
    expect((await getContact(keyOf(email('mesure'))))?.lastActivityAt).toBe('2027-03-02T10:00:00.000Z');
  });

  it('no address in the logs', () => {
    expect(logs.text()).not.toMatch(PERSONAL_DATA);
  });
});
