/**
 * A record of the contacts table's DynamoDB stream as Lambda delivers it (DynamoDB
 * Developer Guide, "DynamoDB Streams and AWS Lambda triggers"; API `Record`). Only what
 * the receipts need is read; the images carry personal data and are never logged.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';

/** The identity DynamoDB sets on a REMOVE made by its TTL process (Developer Guide, "Time to Live: streams"). */
export const TTL_SERVICE_IDENTITY = { type: 'Service', principalId: 'dynamodb.amazonaws.com' } as const;

export const contactStreamRecordSchema = z.looseObject({
  eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
  eventSource: z.literal('aws:dynamodb').optional(),
  userIdentity: z.looseObject({ type: z.string(), principalId: z.string() }).optional(),
  dynamodb: z.looseObject({
    /** epoch seconds, as Lambda's event carries it */
    ApproximateCreationDateTime: z.number().nonnegative().optional(),
    SequenceNumber: z.string().min(1),
    Keys: z.record(z.string(), z.unknown()).optional(),
    OldImage: z.record(z.string(), z.unknown()).optional(),
    NewImage: z.record(z.string(), z.unknown()).optional(),
  }),
});

export type ContactStreamRecord = z.infer<typeof contactStreamRecordSchema>;

/** What a receipt needs from the contact as it was before its deletion. */
export const removedContactSchema = z.looseObject({
  suppressionKey: z.string().min(1),
  // as stored: a receipt that copies an odd value beats no receipt
  expiresAt: z.string().min(1),
  // the lists that brought it: their member items go with it
  listIds: z.array(z.string()).optional(),
  listId: z.string().optional(),
});

/** True for a deletion by DynamoDB's TTL (a deletion by the purge or an erasure has no userIdentity). */
export function isTtlRemoval(record: ContactStreamRecord): boolean {
  return (
    record.eventName === 'REMOVE' &&
    record.userIdentity?.type === TTL_SERVICE_IDENTITY.type &&
    record.userIdentity.principalId === TTL_SERVICE_IDENTITY.principalId
  );
}

/** The old image in plain values (DynamoDB JSON → JS). */
export function oldImageOf(record: ContactStreamRecord): Record<string, unknown> | undefined {
  const image = record.dynamodb.OldImage;
  return image ? unmarshall(image as Record<string, AttributeValue>) : undefined;
}
