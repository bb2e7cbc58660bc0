/**
 * A message of the send queue: which campaign, to whom (a suppression key), on which
 * channel. No address, no content: the sender re-reads the contact and the campaign as
 * judged, so nothing personal sits in the queue (rules.md §0.4).
 */
import * as z from 'zod';

export const sendMessageSchema = z.object({
  campaignId: z.string().min(1),
  suppressionKey: z.string().regex(/^[0-9a-f]{64}$/, 'clé de suppression attendue'),
  channel: z.enum(['email', 'sms']),
});

export type SendQueueMessage = z.infer<typeof sendMessageSchema>;
