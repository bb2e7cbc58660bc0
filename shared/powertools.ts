/**
 * Logger and metrics, created once and imported by every function and store, so every
 * log line has the same shape. Log suppression keys, list ids and line numbers, never
 * an address or a phone number (rules.md §0.4).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'prospect-hygiene';

export const logger = new Logger({ serviceName });

export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'ProspectHygiene',
});
