/**
 * SES event records (configuration-set event publishing), in the shapes of the SES
 * developer guide's examples, and the envelopes they reach us in:
 * - EventBridge (`source: aws.ses`, detail-types `Email Bounced`, `Email Clicked`, …) with
 *   the record in `detail`, delivered to an SQS queue: the SQS body is the EventBridge event;
 * - SNS: the record is a JSON string in `Message` (an SNS notification delivered to SQS)
 *   or in `Sns.Message` (an SNS record of a Lambda event);
 * - the raw record itself (the local stack).
 * Legacy identity notifications (`notificationType`: Bounce, Complaint, Delivery) carry the
 * same sub-objects without tags; they are read as the event of the same name.
 *
 * Only what the rules need is kept (zod strips the rest). A type we do not know is
 * reported as `ignored`, never as an error: SES adds types, and a new one must not send a
 * queue to its dead-letter queue.
 */
import * as z from 'zod';
import { parseWith } from './parse.ts';

const instant = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'date et heure ISO attendues')
  .transform((s) => new Date(s));

/** `mail` is common to every record. Tags: name → values (our sender sets `contactId` and `campaignId`). */
export const sesMailSchema = z.object({
  timestamp: instant,
  messageId: z.string(),
  destination: z.array(z.string()).default([]),
  tags: z.record(z.string(), z.array(z.string())).optional(),
});

const recipientSchema = z.object({ emailAddress: z.string() });
/** a bounced recipient: the SMTP status and diagnostic tell a dead address from a sender's fault (rules.md §8) */
const bouncedRecipientSchema = recipientSchema.extend({
  status: z.string().optional(),
  diagnosticCode: z.string().optional(),
});

export const sesBounceRecordSchema = z.object({
  eventType: z.literal('Bounce'),
  mail: sesMailSchema,
  bounce: z.object({
    /** Permanent | Transient | Undetermined */
    bounceType: z.string(),
    bounceSubType: z.string(),
    bouncedRecipients: z.array(bouncedRecipientSchema).default([]),
    timestamp: instant,
    feedbackId: z.string().optional(),
  }),
});

export const sesComplaintRecordSchema = z.object({
  eventType: z.literal('Complaint'),
  mail: sesMailSchema,
  complaint: z.object({
    complainedRecipients: z.array(recipientSchema).default([]),
    timestamp: instant,
    feedbackId: z.string().optional(),
    complaintFeedbackType: z.string().optional(),
  }),
});

export const sesDeliveryRecordSchema = z.object({
  eventType: z.literal('Delivery'),
  mail: sesMailSchema,
  delivery: z.object({ timestamp: instant, recipients: z.array(z.string()).default([]) }),
});

export const sesSendRecordSchema = z.object({
  eventType: z.literal('Send'),
  mail: sesMailSchema,
});

export const sesRejectRecordSchema = z.object({
  eventType: z.literal('Reject'),
  mail: sesMailSchema,
});

export const sesOpenRecordSchema = z.object({
  eventType: z.literal('Open'),
  mail: sesMailSchema,
  open: z.object({ timestamp: instant }),
});

export const sesClickRecordSchema = z.object({
  eventType: z.literal('Click'),
  mail: sesMailSchema,
  click: z.object({
    timestamp: instant,
    link: z.string(),
    linkTags: z.record(z.string(), z.array(z.string())).optional(),
  }),
});

export const sesRenderingFailureRecordSchema = z.object({
  eventType: z.literal('Rendering Failure'),
  mail: sesMailSchema,
});

export const sesDeliveryDelayRecordSchema = z.object({
  eventType: z.literal('DeliveryDelay'),
  mail: sesMailSchema,
});

const topicPreferencesSchema = z.object({
  unsubscribeAll: z.boolean().default(false),
  topicSubscriptionStatus: z.array(z.object({ topicName: z.string(), subscriptionStatus: z.string() })).default([]),
});

export const sesSubscriptionRecordSchema = z.object({
  eventType: z.literal('Subscription'),
  mail: sesMailSchema,
  subscription: z.object({
    contactList: z.string().optional(),
    timestamp: instant,
    /** e.g. UnsubscribeHeader, UnsubscribeLink */
    source: z.string().optional(),
    newTopicPreferences: topicPreferencesSchema,
  }),
});

export const sesEventRecordSchema = z.discriminatedUnion('eventType', [
  sesBounceRecordSchema,
  sesComplaintRecordSchema,
  sesDeliveryRecordSchema,
  sesSendRecordSchema,
  sesRejectRecordSchema,
  sesOpenRecordSchema,
  sesClickRecordSchema,
  sesRenderingFailureRecordSchema,
  sesDeliveryDelayRecordSchema,
  sesSubscriptionRecordSchema,
]);

export type SesEventRecord = z.infer<typeof sesEventRecordSchema>;
export type SesEventType = SesEventRecord['eventType'];

export const SES_EVENT_TYPES: readonly SesEventType[] = [
  'Bounce',
  'Complaint',
  'Delivery',
  'Send',
  'Reject',
  'Open',
  'Click',
  'Rendering Failure',
  'DeliveryDelay',
  'Subscription',
];

/** Legacy identity notifications: `notificationType` instead of `eventType`. */
const LEGACY_NOTIFICATION_TYPES = new Set(['Bounce', 'Complaint', 'Delivery']);

/** What one message body holds: an SES record to act on, or something to acknowledge and skip. */
export type SesMessage =
  | { kind: 'event'; record: SesEventRecord; envelope: 'eventbridge' | 'sns' | 'raw' }
  | { kind: 'ignored'; type: string };

/**
 * A message body we cannot read. The message says what is wrong (a field path), never a
 * value: the body holds addresses.
 */
export class SesMessageInvalid extends Error {
  override readonly name = 'SesMessageInvalid';
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new SesMessageInvalid(`${what}: not JSON`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads one SQS message body (or any of the envelopes above) down to an SES record.
 * Throws SesMessageInvalid when a known type is malformed (it must be retried, then land
 * in the dead-letter queue with an alarm: a lost complaint would be a lost opposition).
 */
export function readSesMessage(body: string | unknown): SesMessage {
  let value: unknown = typeof body === 'string' ? parseJson(body, 'message body') : body;
  let envelope: 'eventbridge' | 'sns' | 'raw' = 'raw';
  if (!isObject(value)) throw new SesMessageInvalid('message body: not an object');

  if (value.source === 'aws.ses' && 'detail' in value) {
    envelope = 'eventbridge';
    value = value.detail;
  } else if (typeof value.Type === 'string' && value.TopicArn !== undefined) {
    // an SNS notification delivered to SQS (not raw delivery)
    if (value.Type !== 'Notification' || typeof value.Message !== 'string')
      return { kind: 'ignored', type: `sns:${value.Type}` };
    envelope = 'sns';
    value = parseJson(value.Message, 'SNS Message');
  } else if (isObject(value.Sns) && typeof value.Sns.Message === 'string') {
    envelope = 'sns';
    value = parseJson(value.Sns.Message, 'SNS Message');
  } else if (value.source !== undefined && 'detail-type' in value) {
    return { kind: 'ignored', type: `eventbridge:${String(value['detail-type']).slice(0, 64)}` };
  }
  if (!isObject(value)) throw new SesMessageInvalid('SES record: not an object');

  let record: Record<string, unknown> = value;
  if (typeof record.eventType !== 'string' && typeof record.notificationType === 'string') {
    const { notificationType, ...rest } = record;
    if (!LEGACY_NOTIFICATION_TYPES.has(notificationType))
      return { kind: 'ignored', type: notificationType.slice(0, 64) };
    record = { ...rest, eventType: notificationType };
  }
  const type = record.eventType;
  if (typeof type !== 'string') throw new SesMessageInvalid('SES record: eventType: missing');
  if (!(SES_EVENT_TYPES as readonly string[]).includes(type)) return { kind: 'ignored', type: type.slice(0, 64) };

  const parsed = parseWith(sesEventRecordSchema, record, `SES ${type} record`);
  if (!parsed.ok) throw new SesMessageInvalid(parsed.error);
  return { kind: 'event', record: parsed.value, envelope };
}
