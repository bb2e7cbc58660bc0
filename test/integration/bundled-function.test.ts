/**
 * Issue 19: the functions ship with the AWS SDK bundled in (cdk/bundling.ts). The other
 * tests run the handlers from source; this one runs a deployed bundle, built as CDK
 * builds it, in a Node process of its own with no node_modules in reach, against the
 * emulators — its bundled DynamoDB and S3 clients find them through
 * AWS_ENDPOINT_URL_<SERVICE>, as they find AWS in Lambda.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { s3Client } from '#store/client-s3';
import { appendLedgerEntries } from '#store/ledger';
import { verifyLedger } from '#store/ledger-digests';
import { bundleFunction, FUNCTION_NODE_OPTIONS } from '../../cdk/bundling.ts';
import { useEmulators } from '../support/emulators.ts';

const root = join(import.meta.dirname, '..', '..');

describe('a function bundle as deployed, SDK inside, against the emulators', () => {
  let bucket: string;
  beforeAll(async () => {
    const names = await useEmulators();
    bucket = names.bucket;
  });

  it('ledger-digest reads every chain head from DynamoDB and writes the digest to S3', async () => {
    await appendLedgerEntries(
      Array.from({ length: 12 }, (_, n) => ({
        type: 'contact-imported' as const,
        at: new Date(Date.UTC(2026, 9, 5, 8, 0, n)).toISOString(),
        subject: `k-bundle-${n}`,
        payload: { listId: 'salon-batimat-2026', line: n + 2 },
      })),
    );
    const dir = await mkdtemp(join(tmpdir(), 'bundled-fn-'));
    const bundle = await bundleFunction(root, 'ledger-digest', dir);
    const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(bundle.path).href)});
const context = { functionName: 'ledger-digest', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 30000 };
const result = await handler({}, context);
process.stdout.write('\\n' + JSON.stringify(result));`;
    const run = spawnSync(process.execPath, [FUNCTION_NODE_OPTIONS, '--input-type=module', '-e', script], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' },
    });
    expect({ status: run.status, stderr: run.stderr.slice(-500) }).toEqual({ status: 0, stderr: '' });
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as { key: string; entries: number };
    expect(result.entries).toBe(12);
    expect(result.key).toMatch(/^ledger-digests\/\d{4}-\d{2}-\d{2}\//);
    const object = await s3Client().send(new GetObjectCommand({ Bucket: bucket, Key: result.key }));
    const digest = JSON.parse((await object.Body?.transformToString()) ?? '{}') as {
      heads: Record<string, { seq: number }>;
    };
    expect(Object.values(digest.heads).reduce((n, h) => n + h.seq, 0)).toBe(12);
    // the digest the bundle wrote is one the ledger verifies against
    expect(await verifyLedger()).toMatchObject({ ok: true, entries: 12 });
  });
});
