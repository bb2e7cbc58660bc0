/**
 * `hygiene up`: the local stack in the foreground until Ctrl-C (design.md §5).
 * `--memory` keeps nothing on disk; `--demo` runs the demonstration once the stack is up.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { logger } from '#shared/powertools';
import { localBucketName } from '#shared/resources';
import { startLocalStack } from './local/stack.ts';
import { terminalProgress } from './progress.ts';

/** Fixed, documented ports of the local stack. */
export const LOCAL_PORTS = { dynamodb: 8000, s3: 4569, ses: 8005, unsubscribe: 8010 } as const;

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      memory: { type: 'boolean', default: false },
      demo: { type: 'boolean', default: false },
      // any free ports instead of the fixed ones (tests, a second stack beside a running one)
      'free-ports': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const workDir = join(process.cwd(), '.local');
  // issue 20: an endpoint the caller set (e.g. a fault-injecting proxy in front of DynamoDB
  // Local) is the one the functions talk to; the stack still starts DynamoDB Local itself
  const callerDynamo = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  const stack = await startLocalStack({
    ports: values['free-ports'] ? {} : LOCAL_PORTS,
    dataDir: values.memory ? undefined : workDir,
    workDir,
    ...(callerDynamo ? { dynamoEndpoint: callerDynamo } : {}),
  });
  process.stdout.write(
    [
      'Pile locale démarrée / local stack up:',
      `  DynamoDB Local  ${stack.emulators.endpoints.dynamodb}${values.memory ? ' (en mémoire)' : ` (données dans ${workDir})`}`,
      ...(callerDynamo ? [`  DynamoDB via   ${callerDynamo} (AWS_ENDPOINT_URL_DYNAMODB)`] : []),
      `  S3 (s3rver)     ${stack.emulators.endpoints.s3}  bucket ${localBucketName}`,
      `  SES (outbox)    ${stack.emulators.endpoints.ses}  (boîte d'envoi web)`,
      `  Désinscription  ${stack.unsubscribeBaseUrl}/u/<jeton>`,
      '',
    ].join('\n'),
  );
  if (values.demo) {
    const { runDemo } = await import('./demo.ts');
    // the steps' progress on the terminal (stderr), their results on stdout
    await runDemo(stack, (text) => process.stdout.write(text), new Date(), terminalProgress(false, 500));
  }
  // issue 22: an import the last run was stopped in the middle of goes on to its end
  const resumed = await stack.resumeInterrupted();
  for (const listId of resumed) {
    process.stdout.write(
      `\nImport interrompu de ${listId} repris là où il en était (sans doublon) : son rapport sera dans reports/${listId}/ à la fin.\n`,
    );
  }
  process.stdout.write('\nLa pile locale tourne. Ctrl-C pour arrêter / to stop.\n');
  await new Promise<void>((resolve) => {
    const stop = () => {
      // issue 22: any stop signal stops everything, once. A Ctrl-C reaches both the
      // launcher and this process (and the launcher forwards it): later signals are
      // ignored instead of killing the stop half-way.
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => undefined);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    process.on('SIGHUP', stop);
    // run by bin/hygiene.js: its channel closes when the launcher dies (kill -9 of npm
    // start, a crashed IDE), and a stack nobody can stop with Ctrl-C any more stops itself
    if (process.channel) {
      process.channel.unref();
      process.once('disconnect', stop);
    }
  });
  await stack.stop();
  // nothing after this line: the hosted functions' last log lines are silenced
  logger.setLogLevel('SILENT');
  process.stdout.write('Pile locale arrêtée.\n');
  // Keep-alive sockets and timers of the hosted functions must not hold the process.
  setTimeout(() => process.exit(0), 200).unref();
  return 0;
}
