/**
 * Logger and metrics, created once and imported by every function and store, so every
 * log line has the same shape. Log key tags (`keyTag`), list ids and line numbers, never
 * an address or a phone number (rules.md §0.4).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'prospect-hygiene';

export const logger = new Logger({ serviceName });

/**
 * What a log line says of a suppression key (issue 19): its first 8 hex digits. Logs are
 * read by operators and kept for months, past an erasure; the key itself (pseudonymous
 * personal data) stays in the tables and the ledger, where access is narrower. A tag
 * still ties together the lines of one incident, and one of four billion keys shares it.
 */
export function keyTag(suppressionKey: string): string {
  return `${suppressionKey.slice(0, 8)}…`;
}

export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'ProspectHygiene',
});
