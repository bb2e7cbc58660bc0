/**
 * The deployment's settings (`hygiene.config.json`, or CDK context in AWS). Every value
 * the rulebook marks as a setting [C] is here, with the rulebook's default.
 */
import * as z from 'zod';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'heure HH:MM attendue');

/** rules.md §6: default French job functions and the keywords that reveal them in a job title. */
export const DEFAULT_JOB_FUNCTIONS: Record<string, string[]> = {
  achats: ['achats', 'achat', 'acheteur', 'acheteuse', 'procurement', 'purchasing', 'buyer'],
  'services généraux': [
    'services generaux',
    'service generaux',
    'moyens generaux',
    'facility',
    'facilities',
    'office manager',
  ],
  informatique: [
    'informatique',
    'dsi',
    'it',
    'cto',
    'systemes d information',
    'developpeur',
    'developpeuse',
    'technique',
  ],
  marketing: ['marketing', 'cmo', 'communication', 'growth'],
  commercial: ['commercial', 'commerciale', 'ventes', 'sales', 'business developer', 'account manager'],
  finance: ['finance', 'financier', 'financiere', 'daf', 'cfo', 'comptable', 'comptabilite', 'tresorier', 'tresoriere'],
  'ressources humaines': ['ressources humaines', 'rh', 'drh', 'hr', 'recrutement', 'talent', 'paie'],
  direction: [
    'directeur general',
    'directrice generale',
    'dg',
    'ceo',
    'pdg',
    'gerant',
    'gerante',
    'president',
    'presidente',
  ],
  juridique: ['juridique', 'juriste', 'legal', 'avocat', 'avocate', 'compliance', 'dpo'],
  logistique: ['logistique', 'supply chain', 'transport', 'entrepot'],
  production: ['production', 'usine', 'industriel', 'industrielle', 'maintenance', 'qualite'],
};

export const settingsSchema = z.object({
  /** the advertiser (controller) this deployment sends for; manifests and campaigns must name it */
  advertiser: z.string().min(1).default('Acme SAS'),
  /** rules.md §5: years a contact is kept after its last activity */
  retentionYears: z.number().int().min(1).max(10).default(3),
  /** rules.md §5: days before expiry when the contact is flagged for one re-permission message */
  repermissionDays: z.number().int().min(0).max(365).default(30),
  /** rules.md §5, §7: days added to expiresAt for the DynamoDB TTL, so the purge normally acts first */
  ttlGraceDays: z.number().int().min(0).max(30).default(2),
  /** rules.md §6: soft-opt-in analogy map, category → analogous categories (a category is analogous to itself) */
  analogies: z.record(z.string(), z.array(z.string())).default({}),
  /** rules.md §8: soft bounces within the window that make an address BOUNCED */
  softBounceThreshold: z.number().int().min(1).default(3),
  softBounceWindowDays: z.number().int().min(1).default(30),
  /** rules.md §6 [C 28]: when SMS may be sent */
  smsWindow: z
    .object({
      /** ISO weekdays, 1 = Monday … 7 = Sunday */
      days: z.array(z.number().int().min(1).max(7)).default([1, 2, 3, 4, 5, 6]),
      from: hhmm.default('08:00'),
      to: hhmm.default('20:00'),
      timeZone: z.string().default('Europe/Paris'),
      /** no SMS on French public holidays */
      skipPublicHolidays: z.boolean().default(true),
    })
    .default({
      days: [1, 2, 3, 4, 5, 6],
      from: '08:00',
      to: '20:00',
      timeZone: 'Europe/Paris',
      skipPublicHolidays: true,
    }),
  /**
   * rules.md §6b: public holidays, for calls and the SMS window alike. The national list
   * is built in; Alsace-Moselle adds Good Friday and 26 December; `extra` adds days as
   * `MM-DD` (every year) or `YYYY-MM-DD`.
   */
  publicHolidays: z
    .object({
      alsaceMoselle: z.boolean().default(false),
      extra: z.array(z.string().regex(/^(\d{4}-)?\d{2}-\d{2}$/, 'MM-JJ ou AAAA-MM-JJ attendu')).default([]),
    })
    .prefault({}),
  /** rules.md §6b: calls (the `phone` channel, a call sheet) */
  calls: z
    .object({
      /** consumers [L 35]: ISO weekdays (1 = Monday) and hour ranges (a range's end is not callable) */
      consumerDays: z.array(z.number().int().min(1).max(7)).default([1, 2, 3, 4, 5]),
      consumerHours: z.array(z.object({ from: hhmm, to: hhmm })).default([
        { from: '10:00', to: '13:00' },
        { from: '14:00', to: '20:00' },
      ]),
      /** professionals have no legal window; a window here adds one (default none) */
      professionalWindow: z
        .object({
          days: z.array(z.number().int().min(1).max(7)),
          hours: z.array(z.object({ from: hhmm, to: hhmm })),
        })
        .nullable()
        .default(null),
      timeZone: z.string().default('Europe/Paris'),
      /** [L 35]: at most this many calls to a consumer in `perDays` days */
      maxCalls: z.number().int().min(1).default(4),
      perDays: z.number().int().min(1).default(30),
      /** rules.md §4 R7, §9 [L 34]: the consumer opt-in for calls, in force from this day (Paris); before it, consumers are deferred */
      consumerOptInFrom: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/)
        .default('2026-08-11'),
      /** days a call sheet looks ahead when `--days` is not given */
      sheetDays: z.number().int().min(1).max(31).default(5),
    })
    .prefault({}),
  /** rules.md §6: the complaint and bounce breaker of an email campaign [D; 37] */
  breaker: z
    .object({
      /** deliveries before the rates are judged */
      minDeliveries: z.number().int().min(1).default(1000),
      /** complaints over deliveries above which the campaign pauses (Gmail: keep below 0.3 %) */
      maxComplaintRate: z.number().min(0).max(1).default(0.003),
      /** hard bounces over deliveries above which the campaign pauses */
      maxHardBounceRate: z.number().min(0).max(1).default(0.05),
    })
    .prefault({}),
  /** rules.md §4 R5 [C]: reject named addresses learnt from a reply to a generic mailbox */
  rejectGenericReply: z.boolean().default(true),
  /** rules.md §6: frequency cap, off by default */
  frequencyCap: z
    .object({ maxMessages: z.number().int().min(1), perDays: z.number().int().min(1) })
    .nullable()
    .default(null),
  /** rules.md §6: job function → keywords (each keyword's words must all appear in the job title) */
  jobFunctions: z.record(z.string(), z.array(z.string())).default(DEFAULT_JOB_FUNCTIONS),
  /** extra free-mail / ISP domains and role mailboxes, added to the built-in lists (rules.md §2) */
  extraFreemailDomains: z.array(z.string()).default([]),
  extraRoleMailboxes: z.array(z.string()).default([]),
  /** messages per second the sender may push to SES (the account's sending quota) */
  sendingRatePerSecond: z.number().positive().default(14),
  /** rules.md §7: the advertiser's privacy notice, linked from the unsubscribe pages */
  privacyNoticeUrl: z.string().url().optional(),
  /** base URL of the unsubscribe endpoint (`<base>/u/<token>`) */
  unsubscribeBaseUrl: z.string().url().default('http://127.0.0.1:8010'),
  /** SES configuration set of every message by default: untracked (no pixel, links unchanged; rules.md §7b) */
  configurationSet: z.string().default('prospect-hygiene'),
  /** SES configuration set with open and click tracking: only for a contact with tracking consent (rules.md §7b) */
  trackedConfigurationSet: z.string().default('prospect-hygiene-tracked'),
  /** rules.md §7b [C]: an open pixel needs the person's tracking consent */
  pixelRequiresConsent: z.boolean().default(true),
  /** rules.md §7b [C]: tracked links need the person's tracking consent */
  linkTrackingRequiresConsent: z.boolean().default(true),
});

export type Settings = z.infer<typeof settingsSchema>;

/** The settings with every default applied. */
export const defaultSettings: Settings = settingsSchema.parse({});
