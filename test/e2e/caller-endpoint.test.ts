/**
 * Issue 20: the local stack's functions talk to the DynamoDB endpoint the caller names (a
 * fault-injecting proxy in front of DynamoDB Local), while the stack still starts DynamoDB
 * Local itself — what `hygiene up` does with a caller's AWS_ENDPOINT_URL_DYNAMODB.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getList } from '#store/lists';
import { objectKeys, putObject } from '#store/objects';
import { type LocalStack, startLocalStack } from '../../cli/local/stack.ts';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('hygiene up honours the caller’s AWS_ENDPOINT_URL_DYNAMODB', () => {
  let stack: LocalStack;
  let proxy: FaultProxy;
  const env = { ...process.env };
  beforeAll(async () => {
    const dynamoPort = await freePort();
    proxy = await startFaultProxy(`http://127.0.0.1:${dynamoPort}`);
    stack = await startLocalStack({
      ports: { dynamodb: dynamoPort },
      workDir: await mkdtemp(join(tmpdir(), 'hygiene-proxy-')),
      dynamoEndpoint: proxy.endpoint,
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    await proxy?.close();
    Object.assign(process.env, env);
  });

  it('the functions go through the proxy; DynamoDB Local is the stack’s own', async () => {
    expect(stack.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(proxy.endpoint);
    expect(stack.emulators.endpoints.dynamodb).not.toBe(proxy.endpoint);
    const before = proxy.injected.pass;
    const dir = join(import.meta.dirname, '../../examples/clients-2026');
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as {
      listId: string;
      dataFile: string;
    };
    await putObject(
      objectKeys.dataFile(manifest.listId, manifest.dataFile),
      await readFile(join(dir, manifest.dataFile)),
      'text/csv',
    );
    await putObject(
      objectKeys.manifest(manifest.listId),
      await readFile(join(dir, 'manifest.json')),
      'application/json',
    );
    await stack.idle();
    expect((await getList(manifest.listId))?.status).toBe('accepted');
    expect(proxy.injected.pass - before).toBeGreaterThan(10);
  }, 60_000);
});
