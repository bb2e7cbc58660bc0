/**
 * `hygiene up`: starts the local stack in the foreground until Ctrl-C.
 * For now: the emulators, with the tables and bucket created from the shared definitions.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { localBucketName } from '#shared/resources';
import { resetClients } from '#store/clients';
import { startEmulators } from './local/emulators.ts';
import { provision } from './local/provision.ts';

/** Fixed, documented ports of the local stack. */
export const LOCAL_PORTS = { dynamodb: 8000, s3: 4569, ses: 8005 } as const;

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { memory: { type: 'boolean', default: false }, demo: { type: 'boolean', default: false } },
    strict: true,
  });
  const dataDir = values.memory ? undefined : join(process.cwd(), '.local');
  const emulators = await startEmulators({
    dynamoPort: LOCAL_PORTS.dynamodb,
    s3Port: LOCAL_PORTS.s3,
    sesPort: LOCAL_PORTS.ses,
    dataDir,
    s3TempDir: join(process.cwd(), '.local', 'tmp-s3'),
  });
  Object.assign(process.env, emulators.env);
  resetClients();
  await provision('hygiene', localBucketName);
  process.stdout.write(
    [
      'Pile locale démarrée / local stack up:',
      `  DynamoDB Local  ${emulators.endpoints.dynamodb}${dataDir ? ` (données dans ${dataDir})` : ' (en mémoire)'}`,
      `  S3 (s3rver)     ${emulators.endpoints.s3}  bucket ${localBucketName}`,
      `  SES (outbox)    ${emulators.endpoints.ses}  (boîte d'envoi web)`,
      'Ctrl-C pour arrêter / to stop.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await emulators.stop();
  process.stdout.write('Pile locale arrêtée.\n');
  return 0;
}
