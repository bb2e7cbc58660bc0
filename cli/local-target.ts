/**
 * Where an operator command points when the caller says nothing: the local stack that
 * `hygiene up` runs (fixed ports, `hygiene-<table>` tables, bucket `hygiene-lists`,
 * `.local/secrets.json`). Every variable the caller did set is kept, so the same
 * commands reach AWS when the environment names the stack's resources.
 */
import { join } from 'node:path';
import { bucketDefinition, envVarOfStackOutput, localBucketName, localTableName, tables } from '#shared/resources';
import { resetClients } from '#store/clients';
import { resetSecrets } from '#store/secrets';
import { emulatorEnv } from './local/emulators.ts';
import { LOCAL_PORTS } from './up.ts';

/** The local stack's environment, as `hygiene up` creates it. */
export function localStackEnv(cwd = process.cwd()): Record<string, string> {
  const env: Record<string, string> = {
    ...emulatorEnv({
      dynamodb: `http://127.0.0.1:${LOCAL_PORTS.dynamodb}`,
      s3: `http://127.0.0.1:${LOCAL_PORTS.s3}`,
      ses: `http://127.0.0.1:${LOCAL_PORTS.ses}`,
    }),
    [bucketDefinition.envVar]: localBucketName,
    HYGIENE_SECRETS_FILE: join(cwd, '.local', 'secrets.json'),
    // design.md §5: the configuration set of each message (the local stack serves it at /local/sends)
    SES_SENDS_LOG: join(cwd, '.local', 'ses-sends.jsonl'),
  };
  for (const def of tables) env[def.envVar] = localTableName(def);
  return env;
}

/**
 * Points the process at the local stack unless the caller named a target: when a table
 * or the bucket is named (LEDGER_TABLE, BUCKET_NAME…) the environment is taken as it is,
 * so the local endpoints never leak into a run against AWS; otherwise every missing
 * variable gets the local stack's value. Secrets come from `.local/secrets.json` only
 * when no other source is configured.
 */
export function useLocalStackDefaults(): void {
  const named = [...tables.map((def) => def.envVar), bucketDefinition.envVar, bucketDefinition.digestBucketEnvVar].some(
    (name) => process.env[name],
  );
  if (named) return;
  const hasSecrets = Boolean(
    process.env.HYGIENE_SECRETS || process.env.HYGIENE_SECRETS_FILE || process.env.HMAC_SECRET_ARN,
  );
  for (const [name, value] of Object.entries(localStackEnv())) {
    if (name === 'HYGIENE_SECRETS_FILE' && hasSecrets) continue;
    process.env[name] ??= value;
  }
  resetClients();
  resetSecrets();
}

/**
 * Points the process at a deployed stack (`--stack <name>`): its CloudFormation outputs
 * are named after the environment variables they fill (`ContactsTable` → CONTACTS_TABLE,
 * shared/resources.ts `envVarOfStackOutput`), so every command reaches AWS unchanged.
 * Credentials and region come from the usual AWS environment.
 */
export async function useDeployedStack(stackName: string): Promise<void> {
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const out = await new CloudFormationClient({}).send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = out.Stacks?.[0]?.Outputs ?? [];
  if (!outputs.length)
    throw new Error(`la pile ${stackName} n'a pas de sorties (est-elle déployée dans cette région ? AWS_REGION)`);
  for (const { OutputKey, OutputValue } of outputs) {
    if (OutputKey && OutputValue !== undefined) process.env[envVarOfStackOutput(OutputKey)] = OutputValue;
  }
  resetClients();
  resetSecrets();
}
