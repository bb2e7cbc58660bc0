/**
 * Issue 19, lean functions: every function's bundle, built as CDK builds it
 * (cdk/bundling.ts), stays under its size limits, uses only the AWS SDK clients its work
 * needs (each one initialised costs cold start), and loads on its own: the SDK is inside,
 * nothing is looked up in node_modules.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUNDLE_LIMIT_KB, bundleFunction, FUNCTION_NODE_OPTIONS, ownCodeLimitKb } from '../../cdk/bundling.ts';

const root = join(import.meta.dirname, '..', '..');
const names = readdirSync(join(root, 'functions')).sort();
const out = mkdtempSync(join(tmpdir(), 'bundles-'));

/**
 * The SDK clients each function loads as it initialises (the DynamoDB document client
 * comes with lib-dynamodb), and those it loads on first use only: Secrets Manager (read
 * once a container, never locally), SESv2 and End User Messaging (a sender loads only its
 * message's channel).
 */
const CLIENTS: Record<string, string[]> = {
  'call-outcomes': ['client-dynamodb', 'client-s3', 'lib-dynamodb'],
  dsr: ['client-dynamodb', 'lib-dynamodb'],
  // the report streamed to S3 (lib-storage's multipart upload)
  'ingest-finish': ['client-dynamodb', 'client-s3', 'lib-dynamodb', 'lib-storage'],
  // util-dynamodb: Powertools' idempotency layer
  'ingest-list': ['client-dynamodb', 'client-s3', 'client-sfn', 'lib-dynamodb', 'util-dynamodb'],
  'ingest-range': ['client-dynamodb', 'client-s3', 'lib-dynamodb', 'lib-storage'],
  'ledger-digest': ['client-dynamodb', 'client-s3', 'lib-dynamodb'],
  'retention-purge': ['client-dynamodb', 'lib-dynamodb'],
  'send-campaign': ['client-dynamodb', 'client-s3', 'client-sqs', 'lib-dynamodb'],
  'send-message': ['client-dynamodb', 'lib-dynamodb'],
  'ses-events': ['client-dynamodb', 'lib-dynamodb'],
  'sms-inbound': ['client-dynamodb', 'lib-dynamodb'],
  // util-dynamodb: the stream records' images
  'ttl-receipts': ['client-dynamodb', 'lib-dynamodb', 'util-dynamodb'],
  unsubscribe: ['client-dynamodb', 'lib-dynamodb'],
};
const SECRETS = ['client-secrets-manager'];
const LAZY: Record<string, string[]> = {
  'call-outcomes': SECRETS,
  dsr: SECRETS,
  'ingest-range': SECRETS,
  'send-message': ['client-pinpoint-sms-voice-v2', 'client-secrets-manager', 'client-sesv2'],
  'ses-events': SECRETS,
  'sms-inbound': SECRETS,
  unsubscribe: SECRETS,
};

describe('function bundles (cdk/bundling.ts, as deployed)', () => {
  it.each(names)(
    '%s stays under its size limits, uses only its clients, and loads with no node_modules',
    async (name) => {
      // out is in the system's temp directory: no node_modules above it to fall back on
      const bundle = await bundleFunction(root, name, out);
      expect(bundle.bytes / 1024).toBeLessThanOrEqual(BUNDLE_LIMIT_KB);
      expect(bundle.ownBytes / 1024).toBeLessThanOrEqual(ownCodeLimitKb(name));
      expect(bundle.sdkPackages).toEqual((CLIENTS[name] ?? []).map((c) => `@aws-sdk/${c}`));
      expect(bundle.lazySdkPackages).toEqual((LAZY[name] ?? []).map((c) => `@aws-sdk/${c}`));
      const load = spawnSync(
        process.execPath,
        [
          FUNCTION_NODE_OPTIONS,
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(pathToFileURL(bundle.path).href)}); process.stdout.write(typeof m.handler);`,
        ],
        { cwd: out, encoding: 'utf8', env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-3' } },
      );
      expect({ status: load.status, stderr: load.stderr.slice(-300), handler: load.stdout }).toEqual({
        status: 0,
        stderr: '',
        handler: 'function',
      });
    },
  );
});
