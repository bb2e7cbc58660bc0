/**
 * Suppression keys (rules.md §8): an opposition is stored under a keyed hash, never the
 * address. HMAC-SHA256 with the deployment's secret over the canonical address (§2) or
 * the E.164 phone: a plain hash could be reversed with a dictionary, a keyed one cannot.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { normaliseEmail, normalisePhone } from './address.ts';

/** HMAC-SHA256 (hex) of a canonical identity: canonical email address, or E.164 phone. */
export function suppressionKey(canonical: string, secret: string): string {
  return createHmac('sha256', secretKey(secret)).update(canonical).digest('hex');
}

/** The secret as a key object, made once: two keys a row, and a string key is imported anew each time (≈ 20 % of an HMAC). */
let lastSecret: { secret: string; key: KeyObject } | undefined;
function secretKey(secret: string): KeyObject {
  if (lastSecret?.secret !== secret) lastSecret = { secret, key: createSecretKey(Buffer.from(secret, 'utf8')) };
  return lastSecret.key;
}

/** The suppression key of a raw email address, or undefined when it is not a valid address. */
export function emailSuppressionKey(raw: string, secret: string): string | undefined {
  const n = normaliseEmail(raw);
  return n.ok ? suppressionKey(n.canonical, secret) : undefined;
}

/**
 * The suppression key of a raw phone number (any French or E.164 form), or undefined when
 * it does not parse. A number that parses but is not a mobile still has a key: an
 * opposition recorded for it must still be honoured.
 */
export function phoneSuppressionKey(raw: string, secret: string): string | undefined {
  const n = normalisePhone(raw);
  return n.ok ? suppressionKey(n.e164, secret) : undefined;
}
