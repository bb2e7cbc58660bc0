/**
 * SES event fixtures (test/fixtures/ses, the shapes of the SES developer guide) made
 * personal for a test: recipient, contactId tag, timestamps; and the envelopes they reach
 * the ses-events queue in (EventBridge event, SNS notification) as SQS messages.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SQSEvent, SQSRecord } from 'aws-lambda';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'ses');

export type SesFixture =
  | 'bounce-permanent'
  | 'bounce-transient'
  | 'complaint'
  | 'delivery'
  | 'send'
  | 'reject'
  | 'open'
  | 'click'
  | 'rendering-failure'
  | 'delivery-delay'
  | 'subscription'
  | 'legacy-bounce-notification'
  | 'legacy-complaint-notification';

export interface FixtureOptions {
  /** replaces recipient@example.com everywhere */
  to?: string;
  /** the contactId tag; `null` removes it (as in a message sent without our tags) */
  contactId?: string | null;
  /** mail.timestamp (the send) */
  mailAt?: string;
  /** the timestamp of the event part (bounce, click, complaint, …) */
  at?: string;
  /** click.link */
  link?: string;
  /** the campaignId tag; absent = the fixture's own, `null` removes it */
  campaignId?: string | null;
}

type Json = Record<string, unknown>;

/** A fixture record, personalised. */
export function sesRecord(name: SesFixture, options: FixtureOptions = {}): Json {
  let text = readFileSync(join(FIXTURES, `${name}.json`), 'utf8');
  if (options.to) text = text.replaceAll('recipient@example.com', options.to);
  const record = JSON.parse(text) as Json;
  const mail = record.mail as Json;
  const tags = mail.tags as Record<string, string[]> | undefined;
  if (tags) {
    if (options.contactId === null || options.contactId === undefined) delete tags.contactId;
    else tags.contactId = [options.contactId];
    if (options.campaignId === null) delete tags.campaignId;
    else if (options.campaignId !== undefined) tags.campaignId = [options.campaignId];
  }
  if (options.mailAt) mail.timestamp = options.mailAt;
  const part = Object.keys(record).find((k) => !['eventType', 'notificationType', 'mail'].includes(k));
  if (options.at && part && typeof record[part] === 'object') (record[part] as Json).timestamp = options.at;
  if (options.link && record.click) (record.click as Json).link = options.link;
  return record;
}

const DETAIL_TYPES: Record<string, string> = {
  Bounce: 'Email Bounced',
  Complaint: 'Email Complaint Received',
  Delivery: 'Email Delivered',
  Send: 'Email Sent',
  Reject: 'Email Rejected',
  Open: 'Email Opened',
  Click: 'Email Clicked',
  'Rendering Failure': 'Email Rendering Failed',
  DeliveryDelay: 'Email Delivery Delayed',
  Subscription: 'Email Subscription',
};

/** The EventBridge event SES publishes (the SQS body when EventBridge targets the queue). */
export function inEventBridge(record: Json): string {
  return JSON.stringify({
    version: '0',
    id: randomUUID(),
    'detail-type': DETAIL_TYPES[String(record.eventType)] ?? 'Email Event',
    source: 'aws.ses',
    account: '123456789012',
    time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    region: 'eu-west-3',
    resources: ['arn:aws:ses:eu-west-3:123456789012:configuration-set/prospect-hygiene'],
    detail: record,
  });
}

/** An SNS notification delivered to SQS (no raw delivery): the record is a JSON string in Message. */
export function inSns(record: Json): string {
  return JSON.stringify({
    Type: 'Notification',
    MessageId: randomUUID(),
    TopicArn: 'arn:aws:sns:eu-west-3:123456789012:ses-events',
    Message: JSON.stringify(record),
    Timestamp: new Date().toISOString(),
    SignatureVersion: '1',
    Signature: 'EXAMPLE',
    SigningCertURL: 'https://sns.eu-west-3.amazonaws.com/SimpleNotificationService-example.pem',
    UnsubscribeURL: 'https://sns.eu-west-3.amazonaws.com/?Action=Unsubscribe',
  });
}

/** An SQS event of these bodies, as Lambda passes it. */
export function sqsEvent(bodies: readonly string[]): SQSEvent {
  return {
    Records: bodies.map(
      (body, i): SQSRecord => ({
        messageId: `m-${i}-${randomUUID()}`,
        receiptHandle: 'handle',
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'AIDAEXAMPLE',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:eu-west-3:123456789012:ses-events',
        awsRegion: 'eu-west-3',
      }),
    ),
  };
}
