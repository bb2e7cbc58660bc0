/**
 * S3 object-created notifications, as delivered to the ingest function: wrapped in SQS
 * (the AWS wiring: S3 → SQS → Lambda) or plain (a direct S3 → Lambda trigger, the local
 * stack). Object keys arrive URL-encoded (`+` for a space), as S3 sends them.
 */
import * as z from 'zod';

const s3Record = z.object({
  eventName: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({ key: z.string(), size: z.number().optional(), eTag: z.string().optional() }),
  }),
});
export const s3NotificationSchema = z.object({ Records: z.array(s3Record) });
/** S3 sends this once when a notification is configured; there is nothing to do. */
export const s3TestEventSchema = z.object({ Event: z.literal('s3:TestEvent') });

export const sqsEventSchema = z.object({
  Records: z.array(z.object({ messageId: z.string(), body: z.string(), eventSource: z.literal('aws:sqs') })),
});

export interface CreatedObject {
  bucket: string;
  key: string;
}

/** The decoded key of an S3 notification (`a+b%C3%A9` → `a bé`). */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** The objects a notification body names (empty for the S3 test event). Throws on anything else. */
export function createdObjects(body: unknown): CreatedObject[] {
  if (s3TestEventSchema.safeParse(body).success) return [];
  const parsed = s3NotificationSchema.parse(body);
  return parsed.Records.filter((r) => r.eventName.startsWith('ObjectCreated')).map((r) => ({
    bucket: r.s3.bucket.name,
    key: decodeS3Key(r.s3.object.key),
  }));
}
