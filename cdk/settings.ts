/**
 * The deployment's configuration, read from CDK context (`-c advertiser="Acme SAS"
 * -c sendingDomain=acme.fr`), typed and validated once. Two parts:
 * - `settings`: the product settings of shared/schemas/settings.ts (the rulebook's [C]
 *   values), passed to every function as `HYGIENE_SETTINGS` (JSON);
 * - the infrastructure knobs below (sending domain, throughput caps, ingestion workers,
 *   log retention).
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import * as z from 'zod';
import { parseWith } from '../shared/schemas/parse.ts';
import { type Settings, settingsSchema } from '../shared/schemas/settings.ts';

/** the retention periods CloudWatch Logs accepts */
const logRetentionChoices: number[] = Object.values(RetentionDays).filter(
  (days): days is number => typeof days === 'number' && days > 0,
);

export const deploymentSchema = z.object({
  /** the SES identity messages are sent from (a verified domain) */
  sendingDomain: z.string().min(3).default('example.com'),
  /** on-demand tables: a ceiling on request units per second, so a runaway loop cannot run up the bill */
  maxReadRequestUnits: z.number().int().positive().default(4000),
  maxWriteRequestUnits: z.number().int().positive().default(4000),
  /** days the functions' logs are kept (they hold no personal data, house rules) */
  logRetentionDays: z
    .number()
    .int()
    .refine(
      (days) => logRetentionChoices.includes(days),
      'a retention CloudWatch Logs offers (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, …)',
    )
    .default(365),
  /** days the S3 server access logs are kept */
  accessLogRetentionDays: z.number().int().positive().default(365),
  /** an address subscribed to the alarm topic, if given */
  alarmEmail: z.email().optional(),
  /** SES messages per second handed to the sender: caps the send-message concurrency */
  senderConcurrency: z.number().int().min(2).max(1000).default(2),
  /**
   * ranges of one list ingested at once (the Distributed Map's MaxConcurrency): each is an
   * ingest-range invocation writing to the tables, so it is bounded by the Lambda
   * concurrency and the tables' write caps
   */
  ingestWorkers: z.number().int().min(1).max(1000).default(4),
  /**
   * instances of the public unsubscribe endpoint reserved, and at most running (issue 19):
   * a flood of requests can neither drain the account's Lambda concurrency nor the tables
   * (each request is ≈ 50 ms: 10 instances answer ≈ 200 one-click POSTs a second)
   */
  unsubscribeConcurrency: z.number().int().min(1).max(1000).default(10),
});

export type Deployment = z.infer<typeof deploymentSchema>;

export interface DeploymentConfig {
  settings: Settings;
  deployment: Deployment;
  /**
   * The unsubscribe base URL given in context (a custom domain in front of the
   * endpoint); when absent the stack uses the Function URL, not the local default.
   */
  unsubscribeBaseUrl?: string;
}

/**
 * Reads the configuration from CDK context. A context value given on the command line
 * is a string: for a field that is not a string it is parsed as JSON
 * (`-c retentionYears=3`, `-c smsWindow='{"from":"09:00",…}'`).
 * `-c settings='{…}'` may give all the product settings at once.
 */
export function readDeploymentConfig(node: Node): DeploymentConfig {
  const fromContext = (shape: Record<string, z.ZodType>): Record<string, unknown> => {
    const values: Record<string, unknown> = {};
    for (const key of Object.keys(shape)) {
      const raw: unknown = node.tryGetContext(key);
      if (raw !== undefined) values[key] = coerce(raw, shape[key] as z.ZodType);
    }
    return values;
  };
  const bulk: unknown = node.tryGetContext('settings');
  const bulkSettings = typeof bulk === 'string' ? JSON.parse(bulk) : (bulk ?? {});
  const settings = parseOrThrow(settingsSchema, { ...bulkSettings, ...fromContext(settingsSchema.shape) }, 'settings');
  const deployment = parseOrThrow(deploymentSchema, fromContext(deploymentSchema.shape), 'deployment');
  const unsubscribeGiven =
    node.tryGetContext('unsubscribeBaseUrl') !== undefined || 'unsubscribeBaseUrl' in bulkSettings;
  return unsubscribeGiven
    ? { settings, deployment, unsubscribeBaseUrl: settings.unsubscribeBaseUrl }
    : { settings, deployment };
}

/** A string from the command line becomes JSON when the field wants a number, boolean, array or object. */
function coerce(raw: unknown, field: z.ZodType): unknown {
  if (typeof raw !== 'string') return raw;
  if (field.safeParse(raw).success) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const parsed = parseWith(schema, value, `CDK context (${what})`);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

/** The AWS regions in the EU/EEA (personal data of French prospects stays there: GDPR chapter V). */
export const EU_REGIONS: readonly string[] = [
  'eu-west-3', // Paris
  'eu-west-1', // Ireland
  'eu-central-1', // Frankfurt
  'eu-north-1', // Stockholm
  'eu-south-1', // Milan
  'eu-south-2', // Spain
];

/** Where the stack goes when nobody says: the advertiser is French. */
export const DEFAULT_REGION = 'eu-west-3';

/**
 * The region to deploy to: `-c region=…`, else the operator's own `AWS_REGION` /
 * `AWS_DEFAULT_REGION`, else eu-west-3. Not `CDK_DEFAULT_REGION`: with no AWS
 * configuration the CDK CLI sets it to us-east-1, which nobody chose. A region outside the
 * EU/EEA is refused unless `-c allowNonEuRegion=true` says the operator means it.
 */
export function deploymentRegion(
  node: Node,
  env: NodeJS.ProcessEnv = process.env,
): { region: string; chosenBy: 'context' | 'environment' | 'default' } {
  const fromContext: unknown = node.tryGetContext('region');
  const chosen =
    typeof fromContext === 'string' && fromContext
      ? { region: fromContext, chosenBy: 'context' as const }
      : env.AWS_REGION || env.AWS_DEFAULT_REGION
        ? { region: (env.AWS_REGION || env.AWS_DEFAULT_REGION) as string, chosenBy: 'environment' as const }
        : { region: DEFAULT_REGION, chosenBy: 'default' as const };
  const allowed = String(node.tryGetContext('allowNonEuRegion') ?? 'false') === 'true';
  if (!EU_REGIONS.includes(chosen.region) && !allowed) {
    throw new Error(
      `region ${chosen.region} is outside the EU/EEA: the personal data of prospects would leave it. ` +
        `Deploy to ${EU_REGIONS.join(', ')} (-c region=eu-west-3), or pass -c allowNonEuRegion=true if your DPO has approved the transfer.`,
    );
  }
  return chosen;
}
