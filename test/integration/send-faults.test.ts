/**
 * Exactly once and proven, when DynamoDB misbehaves (issue 20): the sender runs through a
 * fault-injecting proxy in front of DynamoDB Local (test/support/fault-proxy.ts). An
 * answer lost after the claim or after `markSent` was written, a ledger that stays down,
 * a storm of throttles and 500s: every allowed message goes out exactly once, is marked
 * sent, and has exactly one `contact-solicited` entry — after the redeliveries SQS would make.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Contact } from '#domain/contact';
import { emailSuppressionKey } from '#domain/keys';
import type { Campaign } from '#schemas/campaign';
import { type QueuedSend, sendCampaign } from '#shared/flows/send-campaign';
import { type MessageResult, sendBatch } from '#shared/flows/send-message';
import { resetClients } from '#store/clients';
import { putNewContacts } from '#store/contacts';
import { ledgerEntriesFor } from '#store/ledger';
import { getSend } from '#store/sends';
import { random } from '../../bench/generate-list.ts';
import { type FaultProxy, type ProxiedRequest, startFaultProxy } from '../support/fault-proxy.ts';
import { emailCampaignTo, sendingTest, storedContact, useSendingEmulators } from '../support/sending.ts';

const test = sendingTest();
const { run, settings, secrets } = test;
const now = new Date('2027-03-02T09:00:00Z');
let proxy: FaultProxy;
let sendsTable = '';
let ledgerTable = '';

const listId = `fautes-${run}`;
const people = Array.from({ length: 20 }, (_, i) => `p${i}-${run}@exemple-${run}.fr`);
const keyOf = (email: string) => emailSuppressionKey(email, secrets.suppressionKeySecret) as string;

const contact = (email: string): Contact => storedContact(email, keyOf(email), listId);
const campaignOf = (campaignId: string): Campaign => emailCampaignTo(campaignId, listId);

async function queue(campaignId: string): Promise<QueuedSend[]> {
  const queued: QueuedSend[] = [];
  await sendCampaign(campaignOf(campaignId), { now, settings, enqueue: async (m) => void queued.push(...m) });
  return queued;
}

const bodyOf = ({ delaySeconds: _d, ...m }: QueuedSend) => JSON.stringify(m);
const send = (messages: readonly QueuedSend[]) => sendBatch(messages.map(bodyOf), () => now, { settings, secrets });

/** SQS: a message whose handling failed comes back, until it succeeds. */
async function sendUntilDone(messages: readonly QueuedSend[]): Promise<MessageResult[][]> {
  const rounds: MessageResult[][] = [];
  let pending = [...messages];
  for (let round = 0; pending.length > 0 && round < 10; round++) {
    const results = await send(pending);
    rounds.push(results);
    pending = pending.filter((_, i) => !results[i]?.ok);
  }
  expect(pending).toEqual([]);
  return rounds;
}

/** The mails the SES emulator received for this campaign (its subject names it) and this address. */
async function mailsTo(campaignId: string, address: string): Promise<number> {
  const res = await fetch(`${process.env.AWS_ENDPOINT_URL_SESV2}/store`);
  const { emails } = (await res.json()) as { emails: { subject: string; destination: { to: string[] } }[] };
  return emails.filter((e) => e.subject === `Nos offres ${campaignId}` && e.destination.to.includes(address)).length;
}

async function solicitations(campaignId: string, address: string): Promise<number> {
  const entries = await ledgerEntriesFor(keyOf(address));
  return entries.filter((e) => e.type === 'contact-solicited' && e.payload.campaignId === campaignId).length;
}

const tableOf = (r: ProxiedRequest) => String(r.body.TableName ?? '');
const isClaim = (r: ProxiedRequest) =>
  r.operation === 'PutItem' && tableOf(r) === sendsTable && r.text.includes('"claimed"');
const isMarkSent = (r: ProxiedRequest) =>
  r.operation === 'UpdateItem' && tableOf(r) === sendsTable && r.text.includes('{"S":"sent"}');
const touchesLedger = (r: ProxiedRequest) => r.operation === 'TransactWriteItems' && r.text.includes(ledgerTable);

beforeAll(async () => {
  const names = await useSendingEmulators(test);
  sendsTable = names.env.SENDS_TABLE as string;
  ledgerTable = names.env.LEDGER_TABLE as string;
  await putNewContacts(people.map(contact), settings);
  proxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL_DYNAMODB as string);
  process.env.AWS_ENDPOINT_URL_DYNAMODB = proxy.endpoint;
  resetClients();
}, 60_000);

afterAll(async () => {
  await proxy.close();
});

describe('exactly once under DynamoDB faults', () => {
  it("the claim's answer lost after the write: the message is sent (not taken for someone else's claim)", async () => {
    const campaignId = `claim-${run}`;
    const [message] = await queue(campaignId);
    const target = people.find((p) => keyOf(p) === message?.suppressionKey) as string;
    let lost = 0;
    proxy.rule = (r) => (isClaim(r) && lost++ === 0 ? 'lose-answer' : 'pass');
    const [result] = await send([message as QueuedSend]);
    proxy.rule = () => 'pass';
    expect(lost).toBeGreaterThan(1); // the SDK retried the put
    expect(result).toMatchObject({ ok: true, outcome: { status: 'sent' } });
    expect(await mailsTo(campaignId, target)).toBe(1);
    expect(await getSend(campaignId, keyOf(target))).toMatchObject({ status: 'sent' });
    expect(await solicitations(campaignId, target)).toBe(1);
  });

  it("markSent's answer lost after the write: reported sent, not an error", async () => {
    const campaignId = `marque-${run}`;
    const [message] = await queue(campaignId);
    const target = people.find((p) => keyOf(p) === message?.suppressionKey) as string;
    let lost = 0;
    proxy.rule = (r) => (isMarkSent(r) && lost++ === 0 ? 'lose-answer' : 'pass');
    const [result] = await send([message as QueuedSend]);
    proxy.rule = () => 'pass';
    expect(result).toMatchObject({ ok: true, outcome: { status: 'sent' } });
    expect(await mailsTo(campaignId, target)).toBe(1);
    expect(await getSend(campaignId, keyOf(target))).toMatchObject({ status: 'sent' });
    expect(await solicitations(campaignId, target)).toBe(1);
  });

  it('the ledger down for the whole batch: the messages are redelivered and their evidence written then, once', async () => {
    const campaignId = `registre-${run}`;
    const messages = (await queue(campaignId)).slice(0, 5);
    proxy.rule = (r) => (touchesLedger(r) ? 'error500' : 'pass');
    const first = await send(messages);
    proxy.rule = () => 'pass';
    expect(first.every((r) => !r.ok)).toBe(true);
    const again = await send(messages);
    expect(again.map((r) => r.ok && r.outcome.status)).toEqual(messages.map(() => 'duplicate'));
    await send(messages); // a third delivery adds nothing
    for (const m of messages) {
      const target = people.find((p) => keyOf(p) === m.suppressionKey) as string;
      expect(await mailsTo(campaignId, target)).toBe(1);
      expect(await solicitations(campaignId, target)).toBe(1);
    }
  });

  it('a storm of throttles, 500s, dropped connections and lost answers: 20 recipients, each mailed once, each proven once', async () => {
    const campaignId = `tempete-${run}`;
    const messages = await queue(campaignId);
    expect(messages).toHaveLength(20);
    const draw = random(20270302);
    proxy.rule = (r) => {
      const x = draw();
      if (x < 0.1) return 'throttle';
      if (x < 0.14) return 'error500';
      if (x < 0.16) return 'drop';
      // an answer lost after the write, on the writes that matter
      if (x < 0.3 && (isClaim(r) || isMarkSent(r) || touchesLedger(r))) return 'lose-answer';
      return 'pass';
    };
    const rounds = await sendUntilDone(messages);
    proxy.rule = () => 'pass';
    expect(proxy.injected.throttle + proxy.injected.error500 + proxy.injected['lose-answer']).toBeGreaterThan(10);
    const outcomes = rounds.flat().flatMap((r) => (r.ok ? [r.outcome.status] : []));
    expect(outcomes.filter((s) => s === 'unconfirmed')).toEqual([]);
    for (const m of messages) {
      const target = people.find((p) => keyOf(p) === m.suppressionKey) as string;
      expect(await mailsTo(campaignId, target)).toBe(1);
      expect(await getSend(campaignId, m.suppressionKey)).toMatchObject({ status: 'sent' });
      expect(await solicitations(campaignId, target)).toBe(1);
    }
  }, 120_000);
});
