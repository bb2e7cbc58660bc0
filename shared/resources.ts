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
 * `byList` serves campaign audiences by list. The stream carries old images so a TTL
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
    {
      indexName: 'byList',
      partitionKey: { name: 'listId', type: 'S' },
      sortKey: { name: 'suppressionKey', type: 'S' },
      projection: 'ALL',
    },
  ],
  ttlAttribute: 'ttl',
  stream: 'NEW_AND_OLD_IMAGES',
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
  suppressionsTable,
  listsTable,
  ledgerTable,
  sendsTable,
  idempotencyTable,
] as const satisfies readonly TableDefinition[];

export interface LifecycleRule {
  id: string;
  prefix: string;
  expirationDays: number;
}

/**
 * The bucket: lists arrive under `incoming/`, reports leave under `reports/`, campaigns
 * under `campaigns/`, ledger digests under `ledger-digests/` (Object Lock in AWS).
 * Raw uploads and per-row reports hold personal data: 30 days (rules.md §5).
 */
export const bucketDefinition = {
  id: 'Bucket',
  envVar: 'BUCKET_NAME',
  prefixes: {
    incoming: 'incoming/',
    reports: 'reports/',
    campaigns: 'campaigns/',
    ledgerDigests: 'ledger-digests/',
  },
  /** the object whose creation starts an ingestion: the manifest is the commit marker */
  ingestTrigger: { prefix: 'incoming/', suffix: 'manifest.json' },
  campaignTrigger: { prefix: 'campaigns/', suffix: '.json' },
  lifecycle: [
    { id: 'incoming-30-days', prefix: 'incoming/', expirationDays: 30 },
    { id: 'reports-30-days', prefix: 'reports/', expirationDays: 30 },
  ] satisfies LifecycleRule[],
  ledgerDigestRetentionDays: 3650,
} as const;

/** Physical names used by the local stack and tests: `<prefix>-<id in kebab case>`. */
export function localTableName(def: TableDefinition, prefix = 'hygiene'): string {
  return `${prefix}-${def.id.toLowerCase()}`;
}
export const localBucketName = 'hygiene-lists';
