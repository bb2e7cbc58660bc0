/**
 * Unsubscribe tokens (rules.md §7): what the link `<unsubscribeBaseUrl>/u/<token>` and the
 * `List-Unsubscribe` header carry. A token names the contact's suppression key and the
 * campaign, and nothing else: no address, no name. It is signed with HMAC-SHA256 under a
 * key id, so keys can rotate: new tokens use the current key, every key of the ring still
 * verifies the links already in people's mailboxes.
 *
 * Format: `<kid>.<payload>.<signature>`, payload = base64url of `{"k","c","iat"}` (iat in
 * epoch seconds), signature = base64url HMAC-SHA256 over `<kid>.<payload>`.
 *
 * Pure: `now` is an argument; node:crypto only.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * rules.md §7: valid at least a year. 400 days leaves room for a message read late and for
 * a re-permission message sent near the end of the 3-year window.
 */
export const UNSUBSCRIBE_TOKEN_VALIDITY_DAYS = 400;

/** Tolerated clock skew between the signer and the verifier, for `iat` in the future. */
const CLOCK_SKEW_SECONDS = 300;
/** No real token is longer; longer input is refused before any work. */
const MAX_TOKEN_LENGTH = 512;

const KEY_ID = /^[A-Za-z0-9_-]{1,16}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const SUPPRESSION_KEY = /^[0-9a-f]{64}$/;
const CAMPAIGN_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** The key ring of secrets.ts: key id → HMAC key. */
export type TokenKeyRing = Readonly<Record<string, string>>;

export interface UnsubscribeClaims {
  suppressionKey: string;
  campaignId: string;
}

export type VerifiedToken = { ok: true; suppressionKey: string; campaignId: string; issuedAt: Date } | { ok: false };

const INVALID: VerifiedToken = { ok: false };

function sign(key: string, signedPart: string): Buffer {
  return createHmac('sha256', key).update(signedPart).digest();
}

/**
 * Signs a token for one contact and campaign with the current key of the ring.
 * Throws on a programming error (unknown key id, a claim that is not a key or campaign id):
 * a token must never carry anything else.
 */
export function createUnsubscribeToken(
  claims: UnsubscribeClaims,
  keys: { tokenKeys: TokenKeyRing; currentTokenKeyId: string },
  now: Date,
): string {
  return createToken(claims, keys, now, undefined);
}

/**
 * rules.md §7b: the token of a tracking withdrawal link — the unsubscribe token's format
 * with a purpose claim (`p: 't'`), so that neither link can be used as the other: a
 * person who stops being measured is not unsubscribed, and the reverse.
 */
export function createTrackingToken(
  claims: UnsubscribeClaims,
  keys: { tokenKeys: TokenKeyRing; currentTokenKeyId: string },
  now: Date,
): string {
  return createToken(claims, keys, now, 't');
}

function createToken(
  claims: UnsubscribeClaims,
  keys: { tokenKeys: TokenKeyRing; currentTokenKeyId: string },
  now: Date,
  purpose: 't' | undefined,
): string {
  const kid = keys.currentTokenKeyId;
  const key = keys.tokenKeys[kid];
  if (!key || !KEY_ID.test(kid)) throw new Error('unsubscribe token: the current key id is not in the key ring');
  if (!SUPPRESSION_KEY.test(claims.suppressionKey)) throw new Error('unsubscribe token: not a suppression key');
  if (!CAMPAIGN_ID.test(claims.campaignId)) throw new Error('unsubscribe token: not a campaign id');
  const payload = Buffer.from(
    JSON.stringify({
      k: claims.suppressionKey,
      c: claims.campaignId,
      iat: Math.floor(now.getTime() / 1000),
      ...(purpose ? { p: purpose } : {}),
    }),
  ).toString('base64url');
  const signedPart = `${kid}.${payload}`;
  return `${signedPart}.${sign(key, signedPart).toString('base64url')}`;
}

/**
 * The key id a token says it was signed with, when it is shaped like one (nothing is
 * verified: a caller uses it only to know whether its key ring may be out of date).
 */
export function tokenKeyId(token: string): string | undefined {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
  const kid = token.split('.', 1)[0] ?? '';
  return KEY_ID.test(kid) ? kid : undefined;
}

/**
 * Verifies a token with any key of the ring. Forged, truncated, unknown key, malformed or
 * expired: `{ ok: false }` and nothing more, so a caller cannot tell an attacker which.
 */
export function verifyUnsubscribeToken(token: string, tokenKeys: TokenKeyRing, now: Date): VerifiedToken {
  return verifyToken(token, tokenKeys, now, undefined);
}

/** rules.md §7b: a tracking withdrawal token (an unsubscribe token is not one). */
export function verifyTrackingToken(token: string, tokenKeys: TokenKeyRing, now: Date): VerifiedToken {
  return verifyToken(token, tokenKeys, now, 't');
}

function verifyToken(token: string, tokenKeys: TokenKeyRing, now: Date, purpose: 't' | undefined): VerifiedToken {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return INVALID;
  const parts = token.split('.');
  if (parts.length !== 3) return INVALID;
  const [kid, payload, signature] = parts as [string, string, string];
  if (!KEY_ID.test(kid) || !BASE64URL.test(payload) || !BASE64URL.test(signature)) return INVALID;
  const key = Object.hasOwn(tokenKeys, kid) ? tokenKeys[kid] : undefined;
  if (!key) return INVALID;
  const expected = sign(key, `${kid}.${payload}`);
  const given = Buffer.from(signature, 'base64url');
  // constant-time compare; lengths differ only for a truncated or padded signature
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return INVALID;

  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return INVALID;
  }
  if (typeof claims !== 'object' || claims === null) return INVALID;
  const { k, c, iat, p } = claims as Record<string, unknown>;
  if (p !== purpose) return INVALID;
  if (typeof k !== 'string' || !SUPPRESSION_KEY.test(k)) return INVALID;
  if (typeof c !== 'string' || !CAMPAIGN_ID.test(c)) return INVALID;
  if (typeof iat !== 'number' || !Number.isInteger(iat)) return INVALID;
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (iat > nowSeconds + CLOCK_SKEW_SECONDS) return INVALID;
  if (nowSeconds - iat > UNSUBSCRIBE_TOKEN_VALIDITY_DAYS * 86_400) return INVALID;
  return { ok: true, suppressionKey: k, campaignId: c, issuedAt: new Date(iat * 1000) };
}

/** rules.md §7b: the tracking withdrawal URL (`{{trackingOptOutUrl}}`). */
export function trackingOptOutUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/t/${token}`;
}

/** The unsubscribe URL the sender puts in the body and in `List-Unsubscribe` (rules.md §7). */
export function unsubscribeUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/u/${token}`;
}

/**
 * Whether a link (as SES reports a click) is our unsubscribe link: same origin as the base
 * URL and a path under `<base path>/u/`. Case-insensitive host, any query string.
 */
export function isUnsubscribeLink(link: string, baseUrl: string): boolean {
  let url: URL;
  let base: URL;
  try {
    url = new URL(link);
    base = new URL(baseUrl);
  } catch {
    return false;
  }
  const basePath = base.pathname.replace(/\/+$/, '');
  // the tracking withdrawal link (/t/) is no sign of interest either (rules.md §7b)
  return (
    url.origin === base.origin &&
    (url.pathname.startsWith(`${basePath}/u/`) || url.pathname.startsWith(`${basePath}/t/`))
  );
}
