/**
 * One definition of each table and of the bucket: the CDK stack (cdk/) and the local
 * stack (cli/local/) both build from these, so the keys, indexes, TTL and streams the
 * code relies on are the same in AWS and on the emulators.
 *
 * Plain data, no AWS library: CDK and the SDK each translate it.
 */

export type KeyType = 'S' | 'N';
export interface KeyDefinition {
  name: string;
  type: KeyType;
}
export interface IndexDefinition {
  indexName: string;
  partitionKey: KeyDefinition;
  sortKey?: KeyDefinition;
  /** 'ALL', 'KEYS_ONLY', or the non-key attributes to project */
  projection: 'ALL' | 'KEYS_ONLY' | readonly string[];
}
export interface TableDefinition {
  /** logical id in the stack and suffix of the physical name */
  id: string;
  /** environment variable through which functions and the CLI learn the physical name */
  envVar: string;
  partitionKey: KeyDefinition;
  sortKey?: KeyDefinition;
  indexes: readonly IndexDefinition[];
  /** attribute holding an epoch-seconds expiry that DynamoDB TTL acts on */
  ttlAttribute?: string;
  stream?: 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY';
}

/**
 * Contacts, keyed by suppression key (rules.md §8). `byExpiry` lets the purge read only
 * what has expired: partition = expiry month + write shard, sort = expiresAt (ISO).
 * `byPhoneKey` finds by phone a contact keyed by its email (data-subject requests,
 * rules.md §9). A contact's lists are items of `listMembersTable`, not an index here. The stream carries old images so a TTL
 * deletion still yields a receipt (rules.md §5).
 */
export const contactsTable = {
  id: 'Contacts',
  envVar: 'CONTACTS_TABLE',
  partitionKey: { name: 'suppressionKey', type: 'S' },
  indexes: [
    {
      indexName: 'byExpiry',
      partitionKey: { name: 'expiryBucket', type: 'S' },
      sortKey: { name: 'expiresAt', type: 'S' },
      projection: ['expiresAt', 'ttl', 'repermissionFlaggedAt'],
    },
    // rules.md §9: a data-subject request by phone finds a contact keyed by its email (sparse: phoneKey is set only then).
    { indexName: 'byPhoneKey', partitionKey: { name: 'phoneKey', type: 'S' }, projection: 'KEYS_ONLY' },
  ],
  ttlAttribute: 'ttl',
  stream: 'NEW_AND_OLD_IMAGES',
} as const satisfies TableDefinition;

/**
 * List membership: one item per list and contact it brought (list → suppression key), so
 * a campaign's audience by list is a Query, whichever list brought the contact last.
 * Written before the contact (a crash in between leaves a member whose contact the
 * audience does not find, never a contact its list does not name); deleted with the
 * contact (shared/store/contacts.ts `deleteContact`, and the TTL receipts).
 */
export const listMembersTable = {
  id: 'ListMembers',
  envVar: 'LIST_MEMBERS_TABLE',
  partitionKey: { name: 'listId', type: 'S' },
  sortKey: { name: 'suppressionKey', type: 'S' },
  indexes: [],
} as const satisfies TableDefinition;

/** Oppositions and hard bounces, keyed by suppression key (email and phone alike). Never purged. */
export const suppressionsTable = {
  id: 'Suppressions',
  envVar: 'SUPPRESSIONS_TABLE',
  partitionKey: { name: 'suppressionKey', type: 'S' },
  indexes: [],
} as const satisfies TableDefinition;

/** One item per uploaded list: status, manifest, counts, report location, checksum. */
export const listsTable = {
  id: 'Lists',
  envVar: 'LISTS_TABLE',
  partitionKey: { name: 'listId', type: 'S' },
  indexes: [],
} as const satisfies TableDefinition;

/** Evidence ledger: hash-chained entries, one sequence per chain (rules.md §8). */
export const ledgerTable = {
  id: 'Ledger',
  envVar: 'LEDGER_TABLE',
  partitionKey: { name: 'chain', type: 'S' },
  sortKey: { name: 'seq', type: 'N' },
  indexes: [
    {
      indexName: 'bySubject',
      partitionKey: { name: 'subject', type: 'S' },
      sortKey: { name: 'at', type: 'S' },
      projection: 'ALL',
    },
  ],
} as const satisfies TableDefinition;

/** Messages sent, one item per campaign and contact: a message goes out at most once. */
export const sendsTable = {
  id: 'Sends',
  envVar: 'SENDS_TABLE',
  partitionKey: { name: 'campaignId', type: 'S' },
  sortKey: { name: 'suppressionKey', type: 'S' },
  indexes: [],
  ttlAttribute: 'ttl',
} as const satisfies TableDefinition;

/** Powertools idempotency records (its default attribute names). */
export const idempotencyTable = {
  id: 'Idempotency',
  envVar: 'IDEMPOTENCY_TABLE',
  partitionKey: { name: 'id', type: 'S' },
  indexes: [],
  ttlAttribute: 'expiration',
} as const satisfies TableDefinition;

export const tables = [
  contactsTable,
  listMembersTable,
  suppressionsTable,
  listsTable,
  ledgerTable,
  sendsTable,
  idempotencyTable,
] as const satisfies readonly TableDefinition[];

export interface LifecycleRule {
  id: string;
  prefix: string;
  /** the current objects expire after this; absent, they stay (older versions go the next day either way) */
  expirationDays?: number;
}

/**
 * The bucket: lists arrive under `incoming/`, reports leave under `reports/`, campaigns
 * under `campaigns/` (a `phone` campaign makes a call sheet under `reports/calls/`), the
 * calls' outcomes come back under `outcomes/<campaignId>.csv`, ledger digests under `ledger-digests/` (Object Lock in AWS). An
 * ingestion's plan and its workers' partial reports live under `reports/<listId>/parts/`
 * until the report is assembled.
 * Raw uploads and per-row reports hold personal data: 30 days (rules.md §5).
 */
export const bucketDefinition = {
  id: 'Bucket',
  envVar: 'BUCKET_NAME',
  prefixes: {
    incoming: 'incoming/',
    reports: 'reports/',
    campaigns: 'campaigns/',
    outcomes: 'outcomes/',
    ledgerDigests: 'ledger-digests/',
  },
  /** the object whose creation starts an ingestion: the manifest is the commit marker */
  ingestTrigger: { prefix: 'incoming/', suffix: 'manifest.json' },
  campaignTrigger: { prefix: 'campaigns/', suffix: '.json' },
  /** the calls' outcomes of a phone campaign: `outcomes/<campaignId>.csv` (design.md §3.5) */
  outcomesTrigger: { prefix: 'outcomes/', suffix: '.csv' },
  lifecycle: [
    { id: 'incoming-30-days', prefix: 'incoming/', expirationDays: 30 },
    { id: 'outcomes-30-days', prefix: 'outcomes/', expirationDays: 30 },
    { id: 'reports-30-days', prefix: 'reports/', expirationDays: 30 },
  ] satisfies LifecycleRule[],
  ledgerDigestRetentionDays: 3650,
  /**
   * In AWS the digests go to a separate bucket under S3 Object Lock (compliance mode,
   * `ledgerDigestRetentionDays`): Object Lock is a property of a whole bucket, and the
   * lists bucket must let its lifecycle delete raw uploads after 30 days. Locally they
   * stay under `ledgerDigests` in the one bucket.
   */
  digestBucketEnvVar: 'DIGEST_BUCKET_NAME',
} as const;

/**
 * The CloudFormation output that carries the value of an environment variable:
 * `CONTACTS_TABLE` → `ContactsTable`, `BUCKET_NAME` → `BucketName`. The stack names
 * every output this way so the CLI maps outputs back to env vars generically.
 */
export function stackOutputKey(envVar: string): string {
  return envVar
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/** The inverse of `stackOutputKey`: `ContactsTable` → `CONTACTS_TABLE`. */
export function envVarOfStackOutput(outputKey: string): string {
  return outputKey.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** Physical names used by the local stack and tests: `<prefix>-<id in kebab case>`. */
export function localTableName(def: TableDefinition, prefix = 'hygiene'): string {
  return `${prefix}-${def.id.toLowerCase()}`;
}
export const localBucketName = 'hygiene-lists';
