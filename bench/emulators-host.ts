/**
 * Hosts DynamoDB Local + s3rver + SES local for a bench, in a process of their own: the
 * bench process then holds only what a Lambda would (its peak RSS is the function's),
 * and the CPU each side uses can be told apart.
 *
 * Started by `startBenchEmulators()` (bench/support.ts); prints one line, `{"env": {…}}`
 * (SDK endpoints, table names, HYGIENE_SECRETS), then runs until its stdin closes.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulators } from '#cli/local/emulators';
import { provision } from '#cli/local/provision';
import { resetClients } from '#store/clients';
import { generateSecrets } from '#store/secrets';
import { BENCH_OUT } from './generate-list.ts';

const prefix = `bench${randomBytes(3).toString('hex')}`;
const s3TempDir = join(BENCH_OUT, `s3-${prefix}`);
const emulators = await startEmulators({ s3TempDir, throughputJvm: process.env.BENCH_FAST_START_JVM !== '1' });
let stopping: Promise<void> | undefined;
const stop = () => {
  stopping ??= emulators
    .stop()
    .then(() => rm(s3TempDir, { recursive: true, force: true }))
    .finally(() => process.exit(0));
  return stopping;
};
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.on('SIGTERM', stop);
process.stdin.resume();
try {
  Object.assign(process.env, emulators.env);
  resetClients();
  const names = await provision(prefix, `${prefix}-bucket`);
  const env = {
    ...emulators.env,
    ...names.env,
    HYGIENE_SECRETS: JSON.stringify(generateSecrets()),
  };
  process.stdout.write(`${JSON.stringify({ env })}\n`);
} catch (error) {
  process.stderr.write(`emulators: ${(error as Error).message}\n`);
  await stop();
}
