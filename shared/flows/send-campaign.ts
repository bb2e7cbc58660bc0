/**
 * A campaign from its JSON to the send queue (issue 6): judged as a whole (rules.md §6,
 * campaign level), then every contact of its audience judged at send time by the same
 * gate as `hygiene gate` — oppositions and expiry read now, not trusted from the import —
 * and the allowed ones queued for the sender. Writes `reports/campaigns/<id>.json`.
 *
 * Cost: the audience is read by pages (the lists' members, a Query each, their contacts in
 * BatchGetItem requests of 100; or a scan without a list filter) and the oppositions of a
 * page in BatchGetItem requests of 100 keys: no read per contact.
 */
import { createHash } from 'node:crypto';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { type CampaignReason, gateContact, judgeCampaign, sentInCapWindow } from '#domain/gate';
import type { RecipientKind, SendReason } from '#domain/reasons';
import { tracksMessage } from '#domain/tracking';
import { type Campaign, campaignSchema } from '#schemas/campaign';
import { parseWith } from '#schemas/parse';
import type { SendQueueMessage } from '#schemas/send-message';
import type { Settings } from '#schemas/settings';
import { campaignReportHtml } from '#shared/report-html';
import { getBreaker } from '#store/campaign-breaker';
import { sqsClient } from '#store/client-sqs';
import type { ContactItem } from '#store/contacts';
import { backoff, chunk, inParallel } from '#store/dynamo-batch';
import { objectKeys, putObject } from '#store/objects';
import { putCampaignVersion, recordDeferred, type SendStatus, sendsOfCampaign } from '#store/sends';
import { audiencePages, type PageSuppressions, pageSuppressions, readAhead } from './audience.ts';

/** SQS's longest delivery delay: a deferral longer than this waits for a later run of the campaign. */
export const MAX_DELAY_SECONDS = 900;

export interface QueuedSend extends SendQueueMessage {
  /** hold the message back this long (SMS window opening within 15 minutes) */
  delaySeconds?: number;
}

/** Puts messages on the send queue (≤ 10 a call). The SQS implementation is the default. */
export type Enqueue = (messages: QueuedSend[]) => Promise<void>;

export interface ContactDecision {
  suppressionKey: string;
  listId: string;
  status: 'send' | 'skip' | 'defer';
  reasons: SendReason[];
  notBefore?: string;
  /** the campaign already handled this contact in an earlier run: not queued again */
  previously?: SendStatus;
}

/** `reports/campaigns/<campaignId>.json`: no personal data, suppression keys only. */
export interface CampaignReport {
  campaignId: string;
  status: 'accepted' | 'rejected';
  reasons: CampaignReason[];
  judgedAt: string;
  counts: {
    audience: number;
    send: number;
    skip: number;
    defer: number;
    /** messages put on the queue now (send, and deferrals short enough for an SQS delay) */
    queued: number;
    /** allowed, but an earlier run already claimed or sent them */
    alreadyHandled: number;
    /** rules.md §7b: of the messages sent now, those measured (tracking consent and the withdrawal link) and the others */
    tracked: number;
    untracked: number;
  };
  byReason: Partial<Record<SendReason, number>>;
  /** the campaign's earlier runs, from the sends table; `unconfirmed` = claimed, outcome unknown (never resent) */
  previousRuns?: Partial<Record<SendStatus | 'unconfirmed', number>>;
  decisions: ContactDecision[];
}

export interface SendCampaignResult {
  report: CampaignReport;
  /** DynamoDB reads of the run, for the benchmark */
  reads: { items: number; requests: number; suppressionKeysLookedUp: number };
  /** where the run's wall time went, in ms (page reads overlap the rest: this is time spent waiting for them) */
  timings: { waitingForPages: number; suppressionLookups: number; enqueue: number; report: number };
}

export class CampaignInvalid extends Error {
  override readonly name = 'CampaignInvalid';
}

/**
 * Validates a campaign (design.md §3.3). What the gate judges (identity, opt-out, sender,
 * purpose) is left to the gate; this only refuses what cannot be sent at all.
 */
export function parseCampaign(raw: unknown): Campaign & { channel: 'email' | 'sms' } {
  const parsed = parseWith(campaignSchema, raw, 'campagne');
  if (!parsed.ok) throw new CampaignInvalid(parsed.error);
  const campaign = parsed.value;
  if (!isMessageCampaign(campaign))
    throw new CampaignInvalid(
      "campagne : channel : une campagne d'appels donne une fiche d'appels (hygiene calls), pas des messages",
    );
  if (campaign.channel === 'email') {
    if (!campaign.message.from?.trim())
      throw new CampaignInvalid('campagne : message.from : obligatoire pour un e-mail');
    if (!campaign.message.subject?.trim())
      throw new CampaignInvalid('campagne : message.subject : obligatoire pour un e-mail');
  }
  return campaign;
}

/** An email or SMS campaign: messages, not a call sheet. */
export const isMessageCampaign = (campaign: Campaign): campaign is Campaign & { channel: 'email' | 'sms' } =>
  campaign.channel !== 'phone';

/** SHA-256 of the campaign as validated: names the version the gate judged. */
export function campaignSha256(campaign: Campaign): string {
  return createHash('sha256').update(JSON.stringify(campaign)).digest('hex');
}

/** The SQS implementation of Enqueue: SendMessageBatch on `SEND_QUEUE_URL`, failed entries retried. */
export function sqsEnqueue(queueUrl = process.env.SEND_QUEUE_URL): Enqueue {
  return async (messages) => {
    if (!queueUrl) throw new Error('SEND_QUEUE_URL is not set');
    let entries = messages.map(({ delaySeconds, ...body }, i) => ({
      Id: String(i),
      MessageBody: JSON.stringify(body),
      ...(delaySeconds ? { DelaySeconds: delaySeconds } : {}),
    }));
    for (let attempt = 0; entries.length > 0; attempt++) {
      if (attempt >= 8) throw new Error(`SQS SendMessageBatch: ${entries.length} messages still refused after retries`);
      if (attempt) await backoff(attempt);
      const out = await sqsClient().send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      const failed = out.Failed ?? [];
      const fatal = failed.find((f) => f.SenderFault);
      if (fatal) throw new Error(`SQS SendMessageBatch refused a message: ${fatal.Code}`);
      const retry = new Set(failed.map((f) => f.Id));
      entries = entries.filter((e) => retry.has(e.Id));
    }
  };
}

/**
 * Runs a campaign: judge, select, gate, queue, report. A refused campaign sends nothing and
 * its report says why. Running it again is safe: contacts an earlier run claimed or sent
 * are not queued again, and the sender's claim stops any duplicate.
 */
export async function sendCampaign(
  raw: unknown,
  options: {
    now: Date;
    settings: Settings;
    enqueue?: Enqueue;
    enqueueConcurrency?: number;
    /** after each page of the audience: the counts so far (`hygiene send` shows them) */
    onProgress?: (counts: CampaignReport['counts']) => void;
  },
): Promise<SendCampaignResult> {
  const { now, settings } = options;
  const enqueue = options.enqueue ?? sqsEnqueue();
  const campaign = parseCampaign(raw);
  const judgement = judgeCampaign(campaign, settings);
  const reads = { items: 0, requests: 0, suppressionKeysLookedUp: 0 };
  const timings = { waitingForPages: 0, suppressionLookups: 0, enqueue: 0, report: 0 };
  const timed = async <T>(phase: keyof typeof timings, work: Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work;
    } finally {
      timings[phase] += performance.now() - started;
    }
  };
  const report: CampaignReport = {
    campaignId: campaign.campaignId,
    status: judgement.status,
    reasons: judgement.reasons,
    judgedAt: now.toISOString(),
    counts: { audience: 0, send: 0, skip: 0, defer: 0, queued: 0, alreadyHandled: 0, tracked: 0, untracked: 0 },
    byReason: {},
    decisions: [],
  };
  // the sender renders only the version judged here; a refusal stops what is still queued
  await putCampaignVersion(
    { campaign, status: judgement.status, sha256: campaignSha256(campaign), judgedAt: now.toISOString() },
    now,
  );
  if (judgement.status === 'rejected') {
    await timed('report', writeReport(report));
    return { report, reads, timings };
  }

  // rules.md §6: a campaign paused by its breaker defers every message; a cancelled one sends nothing
  const breaker = campaign.channel === 'email' ? await getBreaker(campaign.campaignId) : undefined;
  if (breaker?.cancelledAt)
    throw new CampaignInvalid(`campagne ${campaign.campaignId} : annulée par un opérateur (hygiene campaign cancel)`);
  const earlier = await sendsOfCampaign(campaign.campaignId);
  reads.items += earlier.itemsRead;
  reads.requests += Math.max(1, Math.ceil(earlier.itemsRead / 1000));
  const previously = new Map(earlier.records.map((r) => [r.suppressionKey, r.status]));
  if (earlier.records.length > 0) {
    const previousRuns: NonNullable<CampaignReport['previousRuns']> = {};
    for (const r of earlier.records) {
      const status = r.status === 'claimed' ? 'unconfirmed' : r.status;
      previousRuns[status] = (previousRuns[status] ?? 0) + 1;
    }
    report.previousRuns = previousRuns;
  }

  const kinds = campaign.audience?.kinds ? new Set<RecipientKind>(campaign.audience.kinds) : undefined;

  const pages = readAhead(audiencePages(campaign));
  for (;;) {
    const next = await timed('waitingForPages', pages.next());
    if (next.done) break;
    const page = next.value.contacts;
    reads.requests++;
    reads.items += page.length;
    const contacts = kinds ? page.filter((c) => kinds.has(c.kind)) : page;
    if (contacts.length === 0) continue;
    const suppressions = await timed('suppressionLookups', pageSuppressions(contacts));
    reads.suppressionKeysLookedUp += suppressions.keysLookedUp;
    reads.requests += Math.ceil(suppressions.keysLookedUp / 100);
    reads.items += suppressions.found;

    const { queue, deferred } = routeContacts(contacts, campaign, report, {
      now,
      settings,
      suppressions,
      previously,
      paused: breaker?.pausedAt !== undefined,
    });
    await timed('enqueue', inParallel(chunk(queue, 10), options.enqueueConcurrency ?? 8, enqueue));
    report.counts.queued += queue.length;
    if (deferred.length > 0) await timed('enqueue', recordDeferred(campaign.campaignId, deferred, now));
    options.onProgress?.(report.counts);
  }
  await timed('report', writeReport(report));
  for (const phase of Object.keys(timings) as (keyof typeof timings)[]) timings[phase] = Math.round(timings[phase]);
  return { report, reads, timings };
}

type Deferral = { suppressionKey: string; channel: Campaign['channel']; notBefore?: string; reasons: SendReason[] };

/**
 * One page of the audience through the gate (rules.md §6): each contact's decision into
 * the report, and where its message goes — the queue (now, or with an SQS delay when its
 * window opens within 15 minutes), the deferred (later runs), or nowhere (skipped, or
 * handled by an earlier run: at most once).
 */
function routeContacts(
  contacts: readonly ContactItem[],
  campaign: Campaign & { channel: 'email' | 'sms' },
  report: CampaignReport,
  ctx: {
    now: Date;
    settings: Settings;
    suppressions: PageSuppressions;
    previously: ReadonlyMap<string, SendStatus>;
    paused: boolean;
  },
): { queue: QueuedSend[]; deferred: Deferral[] } {
  const { now, settings } = ctx;
  const channel = campaign.channel;
  const queue: QueuedSend[] = [];
  const deferred: Deferral[] = [];
  for (const contact of contacts) {
    report.counts.audience++;
    const gate = gateContact(contact, campaign, {
      now,
      settings,
      suppression: ctx.suppressions.of(contact),
      sentInCapWindow: sentInCapWindow(contact, now, settings),
      // rules.md §7: the source notice is owed until a message carried it
      firstMessage: !contact.informedAt,
      paused: ctx.paused,
    });
    const decision: ContactDecision = {
      suppressionKey: contact.suppressionKey,
      listId: contact.listId,
      status: gate.status,
      reasons: gate.reasons,
      ...(gate.notBefore ? { notBefore: gate.notBefore } : {}),
    };
    report.decisions.push(decision);
    for (const r of gate.reasons) report.byReason[r] = (report.byReason[r] ?? 0) + 1;
    report.counts[gate.status]++;
    if (gate.status === 'skip') continue;

    const before = ctx.previously.get(contact.suppressionKey);
    if (before === 'sent' || before === 'claimed') {
      // at most once: an earlier run sent it, or may have (rules.md §0.1)
      decision.previously = before;
      report.counts.alreadyHandled++;
      continue;
    }
    const message: QueuedSend = { campaignId: campaign.campaignId, suppressionKey: contact.suppressionKey, channel };
    if (gate.status === 'send') {
      queue.push(message);
      if (tracksMessage(campaign, contact, settings)) report.counts.tracked++;
      else report.counts.untracked++;
      continue;
    }
    // rules.md §6 WINDOW: deferred, not dropped
    const waitSeconds = gate.notBefore ? Math.ceil((Date.parse(gate.notBefore) - now.getTime()) / 1000) : Infinity;
    if (waitSeconds <= MAX_DELAY_SECONDS) queue.push({ ...message, delaySeconds: Math.max(0, waitSeconds) });
    else
      deferred.push({
        suppressionKey: contact.suppressionKey,
        channel,
        reasons: gate.reasons,
        ...(gate.notBefore ? { notBefore: gate.notBefore } : {}),
      });
  }
  return { queue, deferred };
}

async function writeReport(report: CampaignReport): Promise<void> {
  await putObject(objectKeys.campaignReport(report.campaignId), JSON.stringify(report), 'application/json');
  // issue 22: the same as a page a person opens
  await putObject(
    objectKeys.campaignReportHtml(report.campaignId),
    campaignReportHtml(report),
    'text/html; charset=utf-8',
  );
}
