/**
 * An inbound SMS as AWS End User Messaging two-way SMS publishes it to SNS: the SNS
 * `Message` is a JSON string (AWS End User Messaging SMS user guide, "two-way SMS message
 * payload"). Only what the rules need is kept.
 */
import * as z from 'zod';

export const inboundSmsSchema = z.object({
  /** the person's number (E.164) */
  originationNumber: z.string().min(1),
  /** our number or short code */
  destinationNumber: z.string().optional(),
  messageKeyword: z.string().optional(),
  messageBody: z.string().default(''),
  inboundMessageId: z.string().optional(),
  previousPublishedMessageId: z.string().optional(),
});

export type InboundSms = z.infer<typeof inboundSmsSchema>;
