import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalEmail, normaliseEmail, normalisePhone } from '#domain/address';
import { classifyAddress, isDisposableDomain, isFreemailDomain, isRoleMailbox } from '#domain/classify';
import { emailSuppressionKey, phoneSuppressionKey, suppressionKey } from '#domain/keys';
import { defaultSettings, settingsSchema } from '#schemas/settings';

describe('normaliseEmail (rules.md §2)', () => {
  it.each([
    ['  Jean.Dupont@ACME.fr ', 'jean.dupont@acme.fr', 'jean.dupont@acme.fr'],
    ['Jean.Dupont+promo@gmail.com', 'jean.dupont+promo@gmail.com', 'jeandupont@gmail.com'],
    ['j.e.a.n+x@googlemail.com', 'j.e.a.n+x@googlemail.com', 'jean@gmail.com'],
    ['marie+news@acme.fr', 'marie+news@acme.fr', 'marie@acme.fr'],
    ['m.a.r.i.e@acme.fr', 'm.a.r.i.e@acme.fr', 'm.a.r.i.e@acme.fr'],
    ['jean@exämple.fr', 'jean@xn--exmple-cua.fr', 'jean@xn--exmple-cua.fr'],
    ['jean@EXÄMPLE.FR', 'jean@xn--exmple-cua.fr', 'jean@xn--exmple-cua.fr'],
    ['+tag@acme.fr', '+tag@acme.fr', '+tag@acme.fr'],
  ])('%j → normalised %s, canonical %s', (raw, normalised, canonical) => {
    const n = normaliseEmail(raw);
    expect(n.ok).toBe(true);
    if (!n.ok) return;
    expect(n.given).toBe(raw.trim());
    expect(n.normalised).toBe(normalised);
    expect(n.canonical).toBe(canonical);
  });

  it.each([
    'jean',
    'jean@',
    '@acme.fr',
    'jean@acme',
    'jean@@acme.fr',
    'jean dupont@acme.fr',
    'jean..dupont@acme.fr',
    '.jean@acme.fr',
    '"jean"@acme.fr',
    'jéan@acme.fr',
    'jean@acme.fr.',
    'jean@-acme.fr',
    'jean@acme.123',
    'jean@xn--zz.fr',
    'jean@[192.168.0.1]',
    'Jean <jean@acme.fr>',
    `${'a'.repeat(65)}@acme.fr`,
  ])('%j is ADDRESS_INVALID', (raw) => {
    expect(normaliseEmail(raw)).toEqual({ ok: false, reason: 'ADDRESS_INVALID' });
  });

  it('an opposition of the canonical address covers its variants', () => {
    expect(canonicalEmail('Jean.Dupont+promo@gmail.com')).toBe(canonicalEmail('jeandupont@gmail.com'));
    expect(canonicalEmail('not an address')).toBeUndefined();
  });
});

describe('normalisePhone (rules.md §2)', () => {
  it.each([
    ['06 12 34 56 78', '+33612345678', true],
    ['06.12.34.56.78', '+33612345678', true],
    ['07-12-34-56-78', '+33712345678', true],
    ['0612345678', '+33612345678', true],
    ['+33 6 12 34 56 78', '+33612345678', true],
    ['+33 (0)6 12 34 56 78', '+33612345678', true],
    ['0033 7 12 34 56 78', '+33712345678', true],
    ['+33612345678', '+33612345678', true],
    ['01 23 45 67 89', '+33123456789', false],
    ['09 70 12 34 56', '+33970123456', false],
    ['+44 7911 123456', '+447911123456', true],
    ['+44 20 7946 0958', '+442079460958', false],
    // North America: FIXED_LINE_OR_MOBILE cannot be proved mobile (strictest)
    ['+1 212 555 0123', '+12125550123', false],
  ])('%j → %s mobile=%s', (raw, e164, mobile) => {
    expect(normalisePhone(raw)).toEqual({ ok: true, e164, mobile });
  });

  it.each(['', 'abc', '06 12 34', '+33 6 12 34 56 78 99 00', '12'])('%j does not parse', (raw) => {
    expect(normalisePhone(raw)).toEqual({ ok: false });
  });
});

describe('suppression keys (rules.md §8)', () => {
  it('is HMAC-SHA256 hex over the canonical identity, keyed by the secret', () => {
    const k = suppressionKey('jean@acme.fr', 's1');
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(k).not.toBe(suppressionKey('jean@acme.fr', 's2'));
    // RFC 4231-style check against node's reference: HMAC("key", "The quick brown fox…")
    expect(suppressionKey('The quick brown fox jumps over the lazy dog', 'key')).toBe(
      'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
    );
    // the secret's UTF-8 bytes are the key, whichever secret came before
    for (const secret of ['clé-été', 'key', 'clé-été'])
      expect(suppressionKey('jean@acme.fr', secret)).toBe(
        createHmac('sha256', Buffer.from(secret, 'utf8')).update('jean@acme.fr').digest('hex'),
      );
  });

  it('variants of one address and forms of one phone share a key', () => {
    expect(emailSuppressionKey('Jean.Dupont+x@GMAIL.com', 's')).toBe(suppressionKey('jeandupont@gmail.com', 's'));
    expect(phoneSuppressionKey('06 12 34 56 78', 's')).toBe(phoneSuppressionKey('+33612345678', 's'));
    expect(phoneSuppressionKey('01 23 45 67 89', 's')).toBe(suppressionKey('+33123456789', 's'));
    expect(emailSuppressionKey('nope', 's')).toBeUndefined();
    expect(phoneSuppressionKey('nope', 's')).toBeUndefined();
  });
});

describe('classifying an address (rules.md §2, first match decides)', () => {
  const classify = (
    email: string | undefined,
    rowKind?: 'consumer' | 'professional',
    audience: 'consumer' | 'professional' | 'mixed' = 'mixed',
    settings = defaultSettings,
  ) => classifyAddress(email === undefined ? undefined : normaliseEmail(email), rowKind, audience, settings);

  it.each([
    // step 1
    ['jean@acme', undefined, 'professional', { ok: false, reason: 'ADDRESS_INVALID' }],
    // step 2: disposable, also a subdomain of one
    ['jean@yopmail.com', undefined, 'professional', { ok: false, reason: 'ADDRESS_DISPOSABLE' }],
    ['jean@mailinator.com', 'professional', 'professional', { ok: false, reason: 'ADDRESS_DISPOSABLE' }],
    // step 3: free-mail whatever the list says, even a role local part
    ['jean@gmail.com', 'professional', 'professional', { ok: true, kind: 'consumer' }],
    ['contact@gmail.com', undefined, 'professional', { ok: true, kind: 'consumer' }],
    ['jean@hotmail.co.uk', undefined, 'professional', { ok: true, kind: 'consumer' }],
    ['jean@outlook.fr', undefined, 'professional', { ok: true, kind: 'consumer' }],
    ['jean@yahoo.fr', undefined, 'professional', { ok: true, kind: 'consumer' }],
    ['jean@orange.fr', undefined, 'professional', { ok: true, kind: 'consumer' }],
    ['jean@laposte.net', undefined, 'professional', { ok: true, kind: 'consumer' }],
    ['jean@proton.me', undefined, 'professional', { ok: true, kind: 'consumer' }],
    ['jean@gmx.de', undefined, 'professional', { ok: true, kind: 'consumer' }],
    ['jean@club-internet.fr', undefined, 'professional', { ok: true, kind: 'consumer' }],
    // step 4: role mailboxes, separators and +tags ignored
    ['contact@acme.fr', 'consumer', 'consumer', { ok: true, kind: 'generic' }],
    ['Service.Client@acme.fr', undefined, 'mixed', { ok: true, kind: 'generic' }],
    ['service_client+fr@acme.fr', undefined, 'mixed', { ok: true, kind: 'generic' }],
    ['commandes@acme.fr', undefined, 'mixed', { ok: true, kind: 'generic' }],
    // not a role: a named person whose name contains a role word
    ['contact.jean@acme.fr', undefined, 'mixed', { ok: true, kind: 'consumer' }],
    // step 5: the row's kind
    ['jean.dupont@acme.fr', 'professional', 'consumer', { ok: true, kind: 'professional' }],
    ['jean.dupont@acme.fr', 'consumer', 'professional', { ok: true, kind: 'consumer' }],
    // step 6: the list's audience
    ['jean.dupont@acme.fr', undefined, 'professional', { ok: true, kind: 'professional' }],
    ['jean.dupont@acme.fr', undefined, 'consumer', { ok: true, kind: 'consumer' }],
    // step 7: strictest
    ['jean.dupont@acme.fr', undefined, 'mixed', { ok: true, kind: 'consumer' }],
    // a phone-only row: steps 5–7
    [undefined, 'professional', 'mixed', { ok: true, kind: 'professional' }],
    [undefined, undefined, 'professional', { ok: true, kind: 'professional' }],
    [undefined, undefined, 'mixed', { ok: true, kind: 'consumer' }],
  ] as const)('%j (row kind %s, audience %s) → %j', (email, rowKind, audience, expected) => {
    expect(classify(email, rowKind, audience)).toEqual(expected);
  });

  it('settings add free-mail domains and role mailboxes', () => {
    const settings = settingsSchema.parse({ extraFreemailDomains: ['Mon-FAI.fr'], extraRoleMailboxes: ['bienvenue'] });
    expect(isFreemailDomain('mon-fai.fr')).toBe(false);
    expect(isFreemailDomain('mon-fai.fr', settings)).toBe(true);
    expect(isRoleMailbox('bienvenue')).toBe(false);
    expect(isRoleMailbox('bienvenue', settings)).toBe(true);
    expect(classify('jean@mon-fai.fr', 'professional', 'professional', settings)).toEqual({
      ok: true,
      kind: 'consumer',
    });
    expect(classify('bienvenue@acme.fr', undefined, 'mixed', settings)).toEqual({ ok: true, kind: 'generic' });
    // defaults unchanged
    expect(defaultSettings.extraFreemailDomains).toEqual([]);
    expect(defaultSettings.extraRoleMailboxes).toEqual([]);
  });

  it('disposable check uses the maintained package, not a TLD', () => {
    expect(isDisposableDomain('yopmail.com')).toBe(true);
    expect(isDisposableDomain('mx.yopmail.com')).toBe(true);
    expect(isDisposableDomain('acme.fr')).toBe(false);
    expect(isDisposableDomain('simulator.amazonses.com')).toBe(false);
  });
});
