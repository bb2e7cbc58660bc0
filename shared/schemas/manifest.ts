/**
 * The provenance manifest (design.md §3.1). Parsing only checks the shape; what the
 * law says about the content (third-party documentation, consent mechanism, …) is
 * judged in shared/domain/provenance.ts.
 */
import * as z from 'zod';
import { CHANNELS } from '../domain/reasons.ts';

/** `YYYY-MM-DD` or a full ISO date-time. */
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/, 'date ISO attendue (AAAA-MM-JJ)')
  .refine((s) => !Number.isNaN(Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s)), 'date inexistante');

export const PURPOSES = [
  'commercial-prospecting',
  'customer-management',
  'recruitment',
  'support',
  'transactional',
  'other',
] as const;
export const AUDIENCES = ['consumer', 'professional', 'mixed'] as const;
export const SOURCE_KINDS = [
  'own-form',
  'own-customers',
  'event',
  'partner',
  'purchased',
  'rented',
  'broker',
  'public-web',
  'scraping',
] as const;
export const CONSENT_MECHANISMS = [
  'double-opt-in',
  'unticked-checkbox',
  'pre-ticked-checkbox',
  'terms-acceptance',
  'conditional',
  'none',
] as const;
export const CONSENT_SCOPES = ['advertiser', 'named-partners', 'unnamed-partners'] as const;

export const manifestSchema = z.object({
  version: z.literal(1),
  listId: z.string().regex(/^[a-z0-9-]{3,64}$/, '3 à 64 caractères parmi a-z, 0-9 et -'),
  dataFile: z
    .string()
    .min(1)
    .refine((f) => !f.startsWith('/') && !f.split(/[\\/]/).includes('..'), 'chemin relatif au manifeste attendu'),
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, '64 chiffres hexadécimaux attendus'),
  advertiser: z.string().min(1),
  purpose: z.enum(PURPOSES),
  audience: z.enum(AUDIENCES),
  channels: z.array(z.enum(CHANNELS)).min(1),
  collected: z.object({ from: isoDate, to: isoDate }),
  source: z.object({
    kind: z.enum(SOURCE_KINDS),
    collector: z.string().min(1).optional(),
    receivedFrom: z.string().min(1).optional(),
    contractRef: z.string().min(1).optional(),
    auditRef: z.string().min(1).optional(),
    customerOf: z.string().min(1).optional(),
    /** for `event`: true when the event was run by the advertiser itself (then not third-party) */
    ownEvent: z.boolean().optional(),
  }),
  consent: z
    .object({
      mechanism: z.enum(CONSENT_MECHANISMS),
      wording: z.string().optional(),
      wordingVersion: z.string().optional(),
      collectionPoint: z.string().optional(),
      scope: z.enum(CONSENT_SCOPES).default('advertiser'),
      namedPartners: z.array(z.string()).default([]),
      /** channels the consent covers; default: the manifest's channels */
      channels: z.array(z.enum(CHANNELS)).optional(),
      /** rules.md §7b: the wording of the separate consent to the measurement of opens and clicks */
      tracking: z.object({ wording: z.string().min(1), wordingVersion: z.string().min(1) }).optional(),
    })
    .optional(),
  notice: z
    .object({
      informedAtCollection: z.boolean().default(false),
      optOutOfferedAtCollection: z.boolean().default(false),
    })
    .default({ informedAtCollection: false, optOutOfferedAtCollection: false }),
  csv: z
    .object({
      delimiter: z.enum([',', ';', '\t']).optional(),
      encoding: z.enum(['utf-8', 'windows-1252', 'utf-16le', 'utf-16be']).optional(),
    })
    .optional(),
});

export type Manifest = z.infer<typeof manifestSchema>;
