/** The campaign (design.md §3.3). Legal checks of its content live in shared/domain/gate.ts. */
import * as z from 'zod';
import { CHANNELS } from '../domain/reasons.ts';
import { PURPOSES } from './manifest.ts';

export const campaignSchema = z.object({
  campaignId: z.string().regex(/^[a-z0-9-]{3,64}$/, '3 à 64 caractères parmi a-z, 0-9 et -'),
  advertiser: z.string().min(1),
  purpose: z.enum(PURPOSES),
  /** `phone`: a call sheet for the sales team instead of messages (rules.md §6b) */
  channel: z.enum(CHANNELS),
  /** phone: the calls are about the contract in progress, or complementary to it (rules.md §6b CONTRACT_UNRELATED) */
  relatedToContract: z.boolean().optional(),
  productCategory: z.string().min(1).optional(),
  /** B2B relevance; absent = consumers and generic mailboxes only (rules.md §6) */
  jobFunctions: z.array(z.string().min(1)).optional(),
  energyRenovation: z.boolean().default(false),
  /** a contract is in progress with the recipients (lifts the sector ban, rules.md §6) */
  contractInProgress: z.boolean().default(false),
  audience: z
    .object({
      lists: z.array(z.string()).optional(),
      kinds: z.array(z.enum(['consumer', 'professional', 'generic'])).optional(),
    })
    .optional(),
  /** a `phone` campaign has none (design.md §3.5): content checks are for email and SMS */
  message: z
    .object({
      from: z.string().min(1).optional(),
      subject: z.string().optional(),
      text: z.string().optional(),
      html: z.string().optional(),
      smsSender: z.string().optional(),
    })
    .prefault({}),
});

export type Campaign = z.infer<typeof campaignSchema>;
