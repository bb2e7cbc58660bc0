/**
 * For integration tests: point the SDK at the emulators the global setup started and
 * create a fresh set of tables and a bucket under a prefix unique to the test file, so
 * test files can run in parallel without seeing each other's data.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { resetClients } from '#store/clients';
import { generateSecrets, resetSecrets } from '#store/secrets';
import { type ProvisionedNames, provision } from '../../cli/local/provision.ts';

export async function useEmulators(): Promise<ProvisionedNames> {
  const env = inject('emulatorEnv');
  Object.assign(process.env, env);
  resetClients();
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const names = await provision(prefix, `${prefix}-bucket`);
  Object.assign(process.env, names.env);
  process.env.HYGIENE_SECRETS ??= JSON.stringify(generateSecrets());
  resetSecrets();
  return names;
}
