/**
 * The complaint and bounce breaker (issue 20, rules.md §6) and the sender-fault bounce
 * (rules.md §8), on DynamoDB Local and the SES emulator: SES events counted exactly once
 * under at-least-once delivery, the campaign paused past its threshold (its messages not
 * yet sent deferred CAMPAIGN_PAUSED), `hygiene campaign status | resume | cancel`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Contact } from '#domain/contact';
import { emailSuppressionKey } from '#domain/keys';
import type { Campaign } from '#schemas/campaign';
import { handleSesMessage } from '#shared/flows/oppositions';
import { type QueuedSend, sendCampaign } from '#shared/flows/send-campaign';
import { sendBatch } from '#shared/flows/send-message';
import { getBreaker } from '#store/campaign-breaker';
import { getContact, putNewContacts } from '#store/contacts';
import { getSend } from '#store/sends';
import { getSuppression } from '#store/suppressions';
import { hygieneInProcess } from '../support/cli.ts';
import { type CapturedLogs, captureLogs, PERSONAL_DATA } from '../support/logs.ts';
import { emailCampaignTo, sendingTest, storedContact, useSendingEmulators } from '../support/sending.ts';
import { inEventBridge, sesRecord } from '../support/ses-events.ts';

// a small campaign, thresholds to match: judged from 4 deliveries, paused above 30 % complaints
const test = sendingTest({ breaker: { minDeliveries: 4, maxComplaintRate: 0.3 } });
const { run, settings, secrets } = test;
const now = new Date('2027-03-02T09:00:00Z');
let logs: CapturedLogs;

const listId = `breaker-${run}`;
const campaignId = `printemps-${run}`;
const people = Array.from({ length: 6 }, (_, i) => `client${i}-${run}@exemple-${run}.fr`);
const keyOf = (email: string) => emailSuppressionKey(email, secrets.suppressionKeySecret) as string;

const contact = (email: string): Contact =>
  storedContact(email, keyOf(email), listId, { sourceKind: 'event', collector: 'Salon Batimat SAS' });
const campaign: Campaign = emailCampaignTo(campaignId, listId, { subject: 'Nos offres' });

/** An SES event of this campaign for a person, as EventBridge delivers it to the queue. */
async function sesEvent(
  name: 'delivery' | 'complaint' | 'bounce-permanent',
  email: string,
  mutate?: (r: Record<string, unknown>) => void,
) {
  const record = sesRecord(name, { to: email, contactId: keyOf(email), campaignId, mailAt: now.toISOString() });
  mutate?.(record);
  return handleSesMessage(inEventBridge(record), { now, settings, suppressionKeySecret: secrets.suppressionKeySecret });
}

let queued: QueuedSend[] = [];
const send = (messages: QueuedSend[]) =>
  sendBatch(
    messages.map(({ delaySeconds: _d, ...m }) => JSON.stringify(m)),
    () => now,
    { settings, secrets },
  );

beforeAll(async () => {
  await useSendingEmulators(test);
  logs = captureLogs();
  await putNewContacts(people.map(contact), settings);
  await sendCampaign(campaign, {
    now,
    settings,
    enqueue: async (m) => {
      queued.push(...m);
    },
  });
  queued = queued.sort((a, b) => a.suppressionKey.localeCompare(b.suppressionKey));
  expect(queued).toHaveLength(6);
}, 60_000);

afterAll(() => logs.restore());

describe('the breaker (rules.md §6)', () => {
  const first = () => queued.slice(0, 4).map((m) => people.find((p) => keyOf(p) === m.suppressionKey) as string);

  it('counts each delivery and complaint once, however often SES delivers it', async () => {
    const sent = await send(queued.slice(0, 4));
    expect(sent.map((r) => r.ok && r.outcome.status)).toEqual(['sent', 'sent', 'sent', 'sent']);
    for (const email of first()) {
      await sesEvent('delivery', email);
      await sesEvent('delivery', email); // at least once
    }
    await sesEvent('complaint', first()[0] as string);
    await sesEvent('complaint', first()[0] as string);
    // 1 complaint in 4 deliveries (25 %): under 30 % — had the repeat counted, 50 % would have tripped it
    expect(await getBreaker(campaignId)).toMatchObject({ deliveries: 4, complaints: 1, hardBounces: 0 });
    expect((await getBreaker(campaignId)).pausedAt).toBeUndefined();
  });

  it('a bounce that blames the sender authentication leaves the address usable and counts in no rate', async () => {
    const email = first()[1] as string;
    const outcome = await sesEvent('bounce-permanent', email, (r) => {
      (r.bounce as Record<string, unknown>).bouncedRecipients = [
        {
          emailAddress: email,
          action: 'failed',
          status: '5.7.26',
          diagnosticCode: 'smtp; 550 5.7.26 This mail has been blocked because the sender is unauthenticated.',
        },
      ];
    });
    expect(outcome.kind).toBe('applied');
    expect(await getSuppression(keyOf(email))).toBeUndefined();
    expect(await getContact(keyOf(email))).toBeDefined();
    expect(await getBreaker(campaignId)).toMatchObject({ hardBounces: 0, senderFaults: 1 });
    expect(logs.text()).toContain('SENDER AUTHENTICATION FAILURE');
  });

  it('a second complaint (2 in 4: 50 %) pauses the campaign, once, with a loud line', async () => {
    await sesEvent('complaint', first()[2] as string);
    const state = await getBreaker(campaignId);
    expect(state).toMatchObject({ complaints: 2, pauseReason: 'complaints' });
    expect(state.pausedAt).toBeDefined();
    expect(logs.text().match(/CAMPAIGN PAUSED/g)).toHaveLength(1);
    await sesEvent('complaint', first()[3] as string);
    expect(logs.text().match(/CAMPAIGN PAUSED/g)).toHaveLength(1);
  });

  it('the messages not yet sent are deferred CAMPAIGN_PAUSED', async () => {
    const later = await send(queued.slice(4));
    expect(later.map((r) => r.ok && r.outcome.status)).toEqual(['deferred', 'deferred']);
    expect(later[0]?.ok && later[0].outcome).toMatchObject({ reasons: ['CAMPAIGN_PAUSED'] });
    expect(await getSend(campaignId, queued[4]?.suppressionKey as string)).toMatchObject({
      status: 'deferred',
      reasons: ['CAMPAIGN_PAUSED'],
    });
    // a run of the campaign meanwhile defers them too
    const again = await sendCampaign(campaign, { now, settings, enqueue: async () => undefined });
    // the three who complained are opposed; the one sent and the two waiting are paused
    expect(again.report.byReason).toEqual({ CAMPAIGN_PAUSED: 3, OPPOSED: 3 });
  });

  it('hygiene campaign status shows the counts and the pause', async () => {
    const out = await hygieneInProcess('campaign', 'status', campaignId, '--json');
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({
      state: 'paused',
      breaker: { deliveries: 4, complaints: 3, senderFaults: 1 },
      sends: { sent: 4, deferred: 2 },
    });
    const text = await hygieneInProcess('campaign', 'status', campaignId);
    expect(text.stdout).toContain(`Campagne ${campaignId} : SUSPENDUE`);
    expect(text.stdout).toContain('plaintes : 3 (75 %)');
  });

  it('hygiene campaign resume lifts the pause and sends the deferred messages, nothing twice', async () => {
    const out = await hygieneInProcess('campaign', 'resume', campaignId, '--json', '--now', now.toISOString());
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout);
    expect(result).toMatchObject({ resumed: true, delivery: { sent: 2 } });
    // of the four sent, three complained (opposed, skipped); the fourth is not sent again
    expect(result.report.counts.alreadyHandled).toBe(1);
    expect((await getBreaker(campaignId)).pausedAt).toBeUndefined();
    // resuming again: not paused, nothing to do (exit 1)
    expect((await hygieneInProcess('campaign', 'resume', campaignId)).code).toBe(1);
  });

  it('hygiene campaign cancel ends it: a later run sends nothing', async () => {
    const out = await hygieneInProcess('campaign', 'cancel', campaignId);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('annulée');
    await expect(sendCampaign(campaign, { now, settings, enqueue: async () => undefined })).rejects.toThrow(
      /annulée par un opérateur/,
    );
  });

  it('no address in the logs', () => {
    expect(logs.text()).not.toMatch(PERSONAL_DATA);
  });
});
