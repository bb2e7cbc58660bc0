/**
 * The deployment's secret keys: one for suppression keys (HMAC of canonical addresses,
 * rules.md §8; it never rotates, or every stored key would change) and a key ring for
 * unsubscribe tokens (rules.md §7: signed with a key id; old keys still verify).
 *
 * In AWS the JSON lives in Secrets Manager (`HMAC_SECRET_ARN`); locally it comes from
 * `HYGIENE_SECRETS` (JSON) or from the generated file named by `HYGIENE_SECRETS_FILE`
 * (the local stack writes `.local/secrets.json` on first start). Never from code.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import * as z from 'zod';

export const secretsSchema = z.object({
  /** HMAC key of suppression keys (hex or any string) */
  suppressionKeySecret: z.string().min(32),
  /** key id → HMAC key of unsubscribe tokens */
  tokenKeys: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,16}$/), z.string().min(32)),
  /** the key id new tokens are signed with */
  currentTokenKeyId: z.string(),
});
export type Secrets = z.infer<typeof secretsSchema>;

let cached: Promise<Secrets> | undefined;

/** Loads the secrets once per process (a Lambda container keeps them warm). */
export function loadSecrets(): Promise<Secrets> {
  cached ??= readSecrets().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

/**
 * A container re-reads the secret at most this often for a token signed with a key it
 * does not know: after a rotation, Gmail's one-click POST of a token signed with the new
 * key must not get a 400 from a container that read the secret before (an opposition
 * lost); a flood of forged key ids costs one read a minute.
 */
export const TOKEN_KEY_REFRESH_MS = 60_000;
let lastRefreshAt = Number.NEGATIVE_INFINITY;

/**
 * The secrets, with the token key `keyId` when the deployment has it: the cached ones if
 * they hold it, else read again (once a TOKEN_KEY_REFRESH_MS at most).
 */
export async function secretsWithTokenKey(keyId: string, nowMs = Date.now()): Promise<Secrets> {
  const secrets = await loadSecrets();
  if (Object.hasOwn(secrets.tokenKeys, keyId) || nowMs - lastRefreshAt < TOKEN_KEY_REFRESH_MS) return secrets;
  lastRefreshAt = nowMs;
  const fresh = readSecrets();
  // the cache keeps the old secrets if the read fails
  const read = await fresh.catch(() => undefined);
  if (!read) return secrets;
  cached = Promise.resolve(read);
  return read;
}

/** Forget the cached secrets (tests change them between runs). */
export function resetSecrets(): void {
  cached = undefined;
  lastRefreshAt = Number.NEGATIVE_INFINITY;
}

async function readSecrets(): Promise<Secrets> {
  let raw: string | undefined;
  if (process.env.HYGIENE_SECRETS) raw = process.env.HYGIENE_SECRETS;
  else if (process.env.HYGIENE_SECRETS_FILE) raw = await readFile(process.env.HYGIENE_SECRETS_FILE, 'utf8');
  else if (process.env.HMAC_SECRET_ARN) {
    // loaded on the first read only (once a container, ≈ 50 ms): never locally
    const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
    const out = await new SecretsManagerClient({}).send(
      new GetSecretValueCommand({ SecretId: process.env.HMAC_SECRET_ARN }),
    );
    raw = out.SecretString;
  }
  if (!raw) throw new Error('no secrets configured (HYGIENE_SECRETS, HYGIENE_SECRETS_FILE or HMAC_SECRET_ARN)');
  const parsed = secretsSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new Error(`secrets: ${parsed.error.issues[0]?.path.join('.')}: invalid`);
  return parsed.data;
}

/** A fresh set of secrets, for a new local stack or a test run. */
export function generateSecrets(): Secrets {
  return {
    suppressionKeySecret: randomBytes(32).toString('hex'),
    tokenKeys: { k1: randomBytes(32).toString('hex') },
    currentTokenKeyId: 'k1',
  };
}

/** Reads the local secrets file, creating it on first use (mode 600). */
export async function ensureSecretsFile(path: string): Promise<Secrets> {
  try {
    return secretsSchema.parse(JSON.parse(await readFile(path, 'utf8')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const secrets = generateSecrets();
    await writeFile(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    return secrets;
  }
}
