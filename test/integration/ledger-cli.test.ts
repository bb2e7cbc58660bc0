import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { chainFor } from '#domain/ledger';
import { dynamoClient } from '#store/clients';
import { appendLedgerEntries } from '#store/ledger';
import { freePort } from '../../cli/local/emulators.ts';
import { runHygiene } from '../support/cli.ts';
import { useEmulators } from '../support/emulators.ts';

describe('hygiene ledger verify|digest', () => {
  beforeAll(async () => {
    await useEmulators();
    await appendLedgerEntries(
      Array.from({ length: 40 }, (_, i) => ({
        type: 'opposition-recorded' as const,
        at: '2026-10-06T09:00:00.000Z',
        subject: `key${i}`,
        payload: { source: 'one-click', campaignId: 'printemps-2027' },
      })),
    );
  });

  it('digest writes the heads; verify of an untouched ledger exits 0', async () => {
    const digest = await runHygiene(['ledger', 'digest', '--json']);
    expect(digest.code).toBe(0);
    expect(JSON.parse(digest.stdout).key).toMatch(/^ledger-digests\/\d{4}-\d{2}-\d{2}\/.+\.json$/);
    const verify = await runHygiene(['ledger', 'verify', '--json']);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toEqual({ ok: true, entries: 40, chains: 8 });
  });

  it('bad usage exits 2 with one line', async () => {
    const r = await runHygiene(['ledger', 'frob']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('an unreachable ledger exits 2 with one line', async () => {
    const port = await freePort();
    const r = await runHygiene(['ledger', 'verify'], {
      ...process.env,
      AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${port}`,
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
      AWS_MAX_ATTEMPTS: '1',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^hygiene ledger : registre injoignable : /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  // Last: it breaks the ledger of this file.
  it('a deleted entry exits 1 naming the chain and the entry', async () => {
    const chain = chainFor('key7');
    await dynamoClient().send(
      new DeleteItemCommand({ TableName: process.env.LEDGER_TABLE, Key: { chain: { S: chain }, seq: { N: '1' } } }),
    );
    const r = await runHygiene(['ledger', 'verify']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`registre rompu : une entrée manque (supprimée ?) (gap) — chaîne ${chain}, entrée 1\n`);
  });
});
