/**
 * The local stack (design.md §5): the emulators, the tables and bucket from the shared
 * definitions, and the functions wired to their events as the CDK stack wires them.
 * Used by `hygiene up` (fixed ports, data under .local/) and by the e2e tests.
 */
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { interruptedIngestions, runRangesHere } from '#shared/flows/ingest-list';
import type { PlannedIngestion } from '#shared/flows/ingest-plan';
import { logger } from '#shared/powertools';
import { localBucketName } from '#shared/resources';
import { resetSettings, settingsFromEnv } from '#shared/settings';
import { resetClients } from '#store/clients';
import { readLocalSends } from '#store/email';
import { ensureSecretsFile, resetSecrets } from '#store/secrets';
import { type RunningEmulators, startEmulators } from './emulators.ts';
import { provision } from './provision.ts';
import { type LocalMessage, LocalQueue } from './queue.ts';
import { startSesSimulator } from './ses-simulator.ts';
import { startStreamPoller } from './stream-poller.ts';
import { campaignRoute, ingestRoute, localContext, outcomesRoute, routeBucketEvents, sqsConsumer } from './wiring.ts';

export interface LocalStackOptions {
  ports?: { dynamodb?: number; s3?: number; ses?: number; unsubscribe?: number };
  /** folder for data and secrets; absent = in memory (tests, `--memory`) */
  dataDir?: string;
  /** where secrets and temporary files go when there is no dataDir */
  workDir: string;
  /** settings passed to the functions (HYGIENE_SETTINGS) */
  settingsJson?: string;
  /**
   * the DynamoDB endpoint the functions use, when not the DynamoDB Local the stack starts
   * (a fault-injecting proxy in front of it: `hygiene up` takes the caller's
   * AWS_ENDPOINT_URL_DYNAMODB)
   */
  dynamoEndpoint?: string;
}

export interface LocalStack {
  emulators: RunningEmulators;
  env: Record<string, string>;
  queues: Record<string, LocalQueue>;
  /** where s3rver keeps the bucket's objects */
  s3Dir: string;
  /** base URL of the local unsubscribe endpoint (`<base>/u/<token>`) */
  unsubscribeBaseUrl: string;
  /** polls the SES outbox once more and turns new messages into SES events */
  pollSes(): Promise<void>;
  /** resolves when every queue is drained */
  idle(): Promise<void>;
  /**
   * Runs again, in the background, the imports a previous run of the stack was stopped in
   * the middle of (issue 22); returns their list ids. Called once the demo is over: the
   * demo points the functions at its own tables while it runs.
   */
  resumeInterrupted(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  await mkdir(options.workDir, { recursive: true });
  // The unsubscribe endpoint first: its URL goes into the settings the sender uses.
  const unsubscribe = await listen(options.ports?.unsubscribe ?? 0);
  const unsubscribeBaseUrl = `http://127.0.0.1:${(unsubscribe.address() as AddressInfo).port}`;
  const settings = { ...(options.settingsJson ? JSON.parse(options.settingsJson) : {}), unsubscribeBaseUrl };
  const emulators = await startEmulators({
    dynamoPort: options.ports?.dynamodb,
    s3Port: options.ports?.s3,
    sesPort: options.ports?.ses,
    dataDir: options.dataDir,
    s3TempDir: join(options.workDir, 'tmp-s3'),
  });
  const secretsFile = join(options.dataDir ?? options.workDir, 'secrets.json');
  await ensureSecretsFile(secretsFile);
  // design.md §5: the configuration set of each message, which the SES emulator drops
  const sendsLog = join(options.dataDir ?? options.workDir, 'ses-sends.jsonl');
  const functionsEnv = {
    ...emulators.env,
    ...(options.dynamoEndpoint ? { AWS_ENDPOINT_URL_DYNAMODB: options.dynamoEndpoint } : {}),
  };
  Object.assign(process.env, functionsEnv, { HYGIENE_SECRETS_FILE: secretsFile, SES_SENDS_LOG: sendsLog });
  process.env.HYGIENE_SETTINGS = JSON.stringify(settings);
  delete process.env.HYGIENE_SECRETS;
  resetClients();
  resetSecrets();
  resetSettings();
  const names = await provision('hygiene', localBucketName);
  Object.assign(process.env, names.env);

  const deadLetter = (queue: string) => () => logger.error('message moved to the dead-letter queue', { queue });
  const ingest = await import('../../functions/ingest-list/handler.ts');
  const queues: Record<string, LocalQueue> = {
    ingest: new LocalQueue(
      'ingest',
      // the state machine of AWS, run here: the plan's ranges by parallel workers, then the report
      eachMessage('ingestion failed', (body) =>
        ingest.handleS3Event(body, localContext('ingest-list'), (plan) => runRangesHere(plan, settingsFromEnv())),
      ),
      { batchSize: 1, onDeadLetter: deadLetter('ingest') },
    ),
    // an import a previous run of the stack was stopped in the middle of, run again to its end
    resume: new LocalQueue(
      'resume',
      eachMessage('ingestion failed', (body) => runRangesHere(body as PlannedIngestion, settingsFromEnv())),
      { batchSize: 1, onDeadLetter: deadLetter('resume') },
    ),
  };
  const sesEvents = await import('../../functions/ses-events/handler.ts');
  queues.sesEvents = new LocalQueue('ses-events', sqsConsumer('ses-events', sesEvents.handler), {
    onDeadLetter: deadLetter('ses-events'),
  });
  const simulator = startSesSimulator(emulators.endpoints.ses, settingsFromEnv().configurationSet, (event) =>
    queues.sesEvents?.send(event),
  );

  // The Function URL of the unsubscribe function, as a plain HTTP server (payload v2 events).
  const { serveFunctionUrl } = await import('../../functions/unsubscribe/handler.ts');
  unsubscribe.on('request', (req, res) => {
    if (req.method === 'GET' && (req.url ?? '').split('?')[0] === '/local/sends') {
      // design.md §5: which configuration set each message used (the SES emulator drops it)
      void readLocalSends(sendsLog).then(
        (sends) => {
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
          res.end(
            JSON.stringify(
              sends.map(({ messageId, to, campaignId, configurationSet }) => ({
                messageId,
                to,
                campaignId,
                configurationSet,
              })),
            ),
          );
        },
        () => res.writeHead(500).end(),
      );
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        const url = new URL(req.url ?? '/', unsubscribeBaseUrl);
        const body = Buffer.concat(chunks);
        const out = await serveFunctionUrl(functionUrlEvent(req.method ?? 'GET', url, req.headers, body));
        res.writeHead(out.statusCode ?? 200, out.headers as Record<string, string>);
        res.end(out.body ?? '');
      } catch (error) {
        logger.error('unsubscribe endpoint failed', { error: (error as Error).message.split('\n')[0] });
        res.writeHead(500).end();
      }
    });
  });

  // S3 campaigns/ → send-campaign → the send queue → send-message, as in AWS
  const sendMessage = await import('../../functions/send-message/handler.ts');
  queues.send = new LocalQueue('send', sqsConsumer('send-message', sendMessage.handler), {
    onDeadLetter: deadLetter('send'),
  });
  const sendCampaign = await import('../../functions/send-campaign/handler.ts');
  queues.campaigns = new LocalQueue(
    'campaigns',
    eachMessage('campaign failed', (body) =>
      sendCampaign.runCampaigns(body, async (queued) => {
        for (const { delaySeconds, ...message } of queued) {
          // SQS DelaySeconds: an SMS deferred to a window opening within 15 minutes waits for it
          if (delaySeconds) setTimeout(() => queues.send?.send(message), delaySeconds * 1000).unref();
          else queues.send?.send(message);
        }
      }),
    ),
    { batchSize: 1, onDeadLetter: deadLetter('campaigns') },
  );

  // S3 outcomes/<campaignId>.csv → call-outcomes (rules.md §6b), as in AWS
  const callOutcomes = await import('../../functions/call-outcomes/handler.ts');
  queues.outcomes = new LocalQueue('outcomes', sqsConsumer('call-outcomes', callOutcomes.handler), {
    batchSize: 1,
    onDeadLetter: deadLetter('outcomes'),
  });

  // the contacts stream → ttl-receipts (DynamoDB Local itself never deletes expired items)
  const ttlReceipts = await import('../../functions/ttl-receipts/handler.ts');
  const streamPoller = startStreamPoller(names.env.CONTACTS_TABLE as string, (event) =>
    ttlReceipts.receiveContactsStream(event),
  );
  // the nightly purge, as EventBridge Scheduler runs it (03:00 Europe/Paris): checked every minute
  const purgeTimer = startPurgeTimer();

  const unroute = routeBucketEvents(emulators.s3, [
    { ...ingestRoute, queue: queues.ingest as LocalQueue },
    { ...campaignRoute, queue: queues.campaigns as LocalQueue },
    { ...outcomesRoute, queue: queues.outcomes as LocalQueue },
  ]);

  const env = { ...functionsEnv, ...names.env, HYGIENE_SECRETS_FILE: secretsFile, SES_SENDS_LOG: sendsLog };
  return {
    emulators,
    env,
    queues,
    unsubscribeBaseUrl,
    s3Dir: options.dataDir ? join(options.dataDir, 's3') : join(options.workDir, 'tmp-s3'),
    pollSes: () => simulator.poll(),
    async idle() {
      for (let round = 0; round < 3; round++) {
        await simulator.poll();
        await Promise.all(Object.values(queues).map((q) => q.idle()));
      }
    },
    async resumeInterrupted() {
      const plans = await interruptedIngestions();
      for (const plan of plans) {
        logger.info('interrupted ingestion resumed', { listId: plan.listId, run: plan.run, ranges: plan.ranges });
        queues.resume?.send(plan);
      }
      return plans.map((p) => p.listId);
    },
    async stop() {
      unroute();
      simulator.stop();
      streamPoller.stop();
      clearInterval(purgeTimer);
      await new Promise<void>((resolve) => {
        unsubscribe.closeAllConnections();
        unsubscribe.close(() => resolve());
      });
      await emulators.stop();
    },
  };
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** A Lambda Function URL event (payload v2) for a local HTTP request. */
function functionUrlEvent(
  method: string,
  url: URL,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
): import('aws-lambda').APIGatewayProxyEventV2 {
  const flat = Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : (v ?? '')]),
  );
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers: flat,
    requestContext: {
      accountId: 'anonymous',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: flat['user-agent'] ?? '',
      },
      requestId: `local-${Date.now()}`,
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body: body.length ? body.toString('base64') : undefined,
    isBase64Encoded: body.length > 0,
  };
}

/** Runs the retention purge once a day at 03:00 Paris time while the stack is up. */
/**
 * A queue's consumer that handles its messages one by one: a failure is logged (its first
 * line: never a row's content) and the message left for redelivery, then the DLQ.
 */
function eachMessage(failure: string, handle: (body: unknown) => Promise<unknown>) {
  return async (messages: LocalMessage[]): Promise<string[]> => {
    const failed: string[] = [];
    for (const m of messages) {
      try {
        await handle(JSON.parse(m.body));
      } catch (error) {
        logger.error(failure, { error: (error as Error).message.split('\n')[0] });
        failed.push(m.messageId);
      }
    }
    return failed;
  };
}

function startPurgeTimer(): NodeJS.Timeout {
  let lastDay = '';
  const timer = setInterval(async () => {
    const now = new Date();
    const paris = new Intl.DateTimeFormat('fr-FR', {
      timeZone: 'Europe/Paris',
      hour: '2-digit',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).formatToParts(now);
    const part = (t: string) => paris.find((p) => p.type === t)?.value ?? '';
    const day = `${part('year')}-${part('month')}-${part('day')}`;
    if (part('hour') !== '03' || day === lastDay) return;
    lastDay = day;
    const { runRetentionPurge } = await import('#shared/flows/retention-purge');
    await runRetentionPurge({ now, settings: settingsFromEnv() }).catch((error: unknown) =>
      logger.error('scheduled purge failed', { error: (error as Error).message.split('\n')[0] }),
    );
  }, 60_000);
  timer.unref();
  return timer;
}
