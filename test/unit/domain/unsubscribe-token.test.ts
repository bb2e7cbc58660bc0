import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createUnsubscribeToken,
  isUnsubscribeLink,
  UNSUBSCRIBE_TOKEN_VALIDITY_DAYS,
  unsubscribeUrl,
  verifyUnsubscribeToken,
} from '#domain/unsubscribe-token';

const K = 'ab'.repeat(32);
const ring = { k1: '1'.repeat(64), k2: '2'.repeat(64) };
const issued = new Date('2027-03-02T09:00:00.000Z');
const claims = { suppressionKey: K, campaignId: 'printemps-2027' };
const DAY = 86_400_000;
const at = (ms: number) => new Date(issued.getTime() + ms);

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
function signed(kid: string, key: string, payload: string): string {
  return `${kid}.${payload}.${createHmac('sha256', key).update(`${kid}.${payload}`).digest('base64url')}`;
}

describe('unsubscribe tokens (rules.md §7)', () => {
  const token = createUnsubscribeToken(claims, { tokenKeys: ring, currentTokenKeyId: 'k2' }, issued);

  it('round-trips: suppression key, campaign, issue time', () => {
    expect(verifyUnsubscribeToken(token, ring, at(60_000))).toEqual({
      ok: true,
      suppressionKey: K,
      campaignId: 'printemps-2027',
      issuedAt: issued,
    });
  });

  it('is `<kid>.<payload>.<sig>`, URL-safe, and carries no personal data', () => {
    expect(token).toMatch(/^k2\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const payload = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString());
    expect(Object.keys(payload).sort()).toEqual(['c', 'iat', 'k']);
    expect(token).not.toContain('@');
  });

  it('rotation: a token signed with an old key still verifies while that key is in the ring', () => {
    const old = createUnsubscribeToken(claims, { tokenKeys: ring, currentTokenKeyId: 'k1' }, issued);
    expect(verifyUnsubscribeToken(old, ring, at(DAY)).ok).toBe(true);
    expect(verifyUnsubscribeToken(old, { k2: ring.k2 }, at(DAY)).ok).toBe(false);
  });

  it.each([
    ['valid the day it is issued', 0, true],
    ['valid a year later', 365 * DAY, true],
    ['valid on its last day', UNSUBSCRIBE_TOKEN_VALIDITY_DAYS * DAY, true],
    ['expired the day after', (UNSUBSCRIBE_TOKEN_VALIDITY_DAYS + 1) * DAY, false],
    ['issued in the future beyond the skew', -3_600_000, false],
    ['issued a minute ahead (clock skew)', -60_000, true],
  ])('%s', (_what, offset, ok) => {
    expect(verifyUnsubscribeToken(token, ring, at(offset)).ok).toBe(ok);
  });

  const [kid, payload, sig] = token.split('.') as [string, string, string];
  const otherKey = createUnsubscribeToken(
    { ...claims, suppressionKey: 'cd'.repeat(32) },
    { tokenKeys: ring, currentTokenKeyId: 'k2' },
    issued,
  );
  it.each([
    ['truncated signature', token.slice(0, -1)],
    ['truncated payload', `${kid}.${payload.slice(0, -2)}.${sig}`],
    ['two parts', `${kid}.${payload}`],
    ['four parts', `${token}.x`],
    ['empty', ''],
    ['signature of another token', `${kid}.${payload}.${otherKey.split('.')[2]}`],
    ['payload of another token', `${kid}.${otherKey.split('.')[1]}.${sig}`],
    ['unknown key id', `k9.${payload}.${sig}`],
    ['prototype key id', `constructor.${payload}.${sig}`],
    ['forged with a key not in the ring', signed('k2', 'f'.repeat(64), payload)],
    ['signed right but not our claims', signed('k2', ring.k2, b64({ k: 'jean@societe.fr', c: 'x', iat: 1 }))],
    ['signed right but iat is a string', signed('k2', ring.k2, b64({ k: K, c: 'printemps-2027', iat: '1' }))],
    ['signed right but not JSON', signed('k2', ring.k2, Buffer.from('nope').toString('base64url'))],
    ['huge', `k2.${'A'.repeat(5000)}.${sig}`],
  ])('invalid: %s', (_what, forged) => {
    expect(verifyUnsubscribeToken(forged, ring, at(DAY))).toEqual({ ok: false });
  });

  it('refuses to sign anything but a suppression key and a campaign id', () => {
    const keys = { tokenKeys: ring, currentTokenKeyId: 'k1' };
    expect(() =>
      createUnsubscribeToken({ suppressionKey: 'jean@societe.fr', campaignId: 'c' }, keys, issued),
    ).toThrow();
    expect(() => createUnsubscribeToken({ suppressionKey: K, campaignId: 'a b' }, keys, issued)).toThrow();
    expect(() => createUnsubscribeToken(claims, { tokenKeys: ring, currentTokenKeyId: 'k9' }, issued)).toThrow();
  });
});

describe('unsubscribe URL', () => {
  it('is <base>/u/<token>, whatever trailing slash the base has', () => {
    expect(unsubscribeUrl('https://desinscription.acme.fr/', 'k1.a.b')).toBe('https://desinscription.acme.fr/u/k1.a.b');
    expect(unsubscribeUrl('https://desinscription.acme.fr', 'k1.a.b')).toBe('https://desinscription.acme.fr/u/k1.a.b');
  });
  it.each([
    ['https://desinscription.acme.fr/u/k1.a.b', 'https://desinscription.acme.fr', true],
    ['https://DESINSCRIPTION.acme.fr/u/k1.a.b?utm=x', 'https://desinscription.acme.fr/', true],
    ['https://acme.fr/base/u/k1.a.b', 'https://acme.fr/base', true],
    ['https://acme.fr/u/k1.a.b', 'https://acme.fr/base', false],
    ['https://www.acme.fr/u/k1.a.b', 'https://desinscription.acme.fr', false],
    ['https://desinscription.acme.fr/offres', 'https://desinscription.acme.fr', false],
    ['not a url', 'https://desinscription.acme.fr', false],
  ])('isUnsubscribeLink(%s, %s) = %s', (link, base, expected) => {
    expect(isUnsubscribeLink(link, base)).toBe(expected);
  });
});
