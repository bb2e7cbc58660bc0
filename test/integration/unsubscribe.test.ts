import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailSuppressionKey } from '#domain/keys';
import { createUnsubscribeToken, unsubscribeUrl } from '#domain/unsubscribe-token';
import { defaultSettings } from '#schemas/settings';
import { ledgerEntriesFor } from '#store/ledger';
import { generateSecrets, resetSecrets, type Secrets } from '#store/secrets';
import { getSuppression } from '#store/suppressions';
import { handler } from '../../functions/unsubscribe/handler.ts';
import { useEmulators } from '../support/emulators.ts';
import { type CapturedLogs, captureLogs, PERSONAL_DATA } from '../support/logs.ts';

const context = { functionName: 'unsubscribe', awsRequestId: 'test' } as Context;
const DAY = 86_400_000;

let secrets: Secrets;
let logs: CapturedLogs;

beforeAll(async () => {
  await useEmulators();
  // a ring after one rotation: k1 retired from signing but still verifying, k2 current
  const fresh = generateSecrets();
  secrets = {
    suppressionKeySecret: fresh.suppressionKeySecret,
    tokenKeys: { k1: randomBytes(32).toString('hex'), k2: randomBytes(32).toString('hex') },
    currentTokenKeyId: 'k2',
  };
  process.env.HYGIENE_SECRETS = JSON.stringify(secrets);
  resetSecrets();
  logs = captureLogs();
});

afterAll(() => logs.restore());

function someone(): { address: string; key: string } {
  const address = `marie.durand.${randomBytes(4).toString('hex')}@societe.fr`;
  return { address, key: emailSuppressionKey(address, secrets.suppressionKeySecret) as string };
}

function tokenFor(key: string, options: { kid?: string; at?: Date } = {}): string {
  return createUnsubscribeToken(
    { suppressionKey: key, campaignId: 'printemps-2027' },
    { tokenKeys: secrets.tokenKeys, currentTokenKeyId: options.kid ?? secrets.currentTokenKeyId },
    options.at ?? new Date(),
  );
}

/** A Lambda Function URL request (payload v2) for `<method> <path>`. */
function request(
  method: string,
  path: string,
  options: { body?: string; contentType?: string; base64?: boolean; userAgent?: string } = {},
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {
    host: 'abcdef.lambda-url.eu-west-3.on.aws',
    'user-agent': options.userAgent ?? 'Mozilla/5.0',
  };
  if (options.contentType) headers['content-type'] = options.contentType;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdef',
      domainName: 'abcdef.lambda-url.eu-west-3.on.aws',
      domainPrefix: 'abcdef',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: headers['user-agent'] as string },
      requestId: randomBytes(8).toString('hex'),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body:
      options.body === undefined
        ? undefined
        : options.base64
          ? Buffer.from(options.body).toString('base64')
          : options.body,
    isBase64Encoded: Boolean(options.base64),
  };
}

async function call(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  return (await handler(event, context)) as APIGatewayProxyStructuredResultV2;
}

const GMAIL_ONE_CLICK = { body: 'List-Unsubscribe=One-Click', contentType: 'application/x-www-form-urlencoded' };

function multipartOneClick(boundary: string): string {
  return [
    `--${boundary}`,
    'Content-Disposition: form-data; name="List-Unsubscribe"',
    '',
    'One-Click',
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

async function oppositions(key: string) {
  return (await ledgerEntriesFor(key)).filter((e) => e.type === 'opposition-recorded');
}

describe('unsubscribe: GET shows a page and changes nothing (rules.md §7)', () => {
  it('GET /u/<token>: 200, a French page whose button posts to the same URL; nothing recorded', async () => {
    const { key } = someone();
    const token = tokenFor(key);
    const response = await call(request('GET', `/u/${token}`, { userAgent: 'Barracuda link scanner' }));
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('Se désinscrire');
    expect(response.body).toMatch(/<form method="post">/);
    expect(await getSuppression(key)).toBeUndefined();
    expect(await oppositions(key)).toEqual([]);
  });

  it('HEAD: 200, no body, nothing recorded', async () => {
    const { key } = someone();
    const response = await call(request('HEAD', `/u/${tokenFor(key)}`));
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
    expect(await getSuppression(key)).toBeUndefined();
  });

  it('the unsubscribe URL the sender builds is served', async () => {
    const { key } = someone();
    const url = new URL(unsubscribeUrl(defaultSettings.unsubscribeBaseUrl, tokenFor(key)));
    expect((await call(request('GET', url.pathname))).statusCode).toBe(200);
  });
});

describe('unsubscribe: POST records the opposition (RFC 8058)', () => {
  it('one-click exactly as Gmail sends it (urlencoded): 200, no redirect, OPPOSED from one-click; twice = once', async () => {
    const { key } = someone();
    const token = tokenFor(key);
    for (let i = 0; i < 2; i++) {
      const response = await call(request('POST', `/u/${token}`, GMAIL_ONE_CLICK));
      expect(response.statusCode).toBe(200);
      expect(response.headers?.location).toBeUndefined();
    }
    expect(await getSuppression(key)).toMatchObject({
      reason: 'OPPOSED',
      sources: ['one-click'],
      channel: 'email',
      campaignId: 'printemps-2027',
    });
    const entries = await oppositions(key);
    expect(entries).toHaveLength(1);
    expect(entries[0]?.payload).toMatchObject({ reason: 'OPPOSED', source: 'one-click', campaignId: 'printemps-2027' });
  });

  it('one-click urlencoded and base64-encoded by the Function URL', async () => {
    const { key } = someone();
    const response = await call(request('POST', `/u/${tokenFor(key)}`, { ...GMAIL_ONE_CLICK, base64: true }));
    expect(response.statusCode).toBe(200);
    expect(await getSuppression(key)).toMatchObject({ reason: 'OPPOSED', sources: ['one-click'] });
  });

  it('one-click as multipart/form-data (what RFC 8058 prefers)', async () => {
    const { key } = someone();
    const boundary = '----WebKitFormBoundary7MA4YWxkTrZu0gW';
    const response = await call(
      request('POST', `/u/${tokenFor(key)}`, {
        body: multipartOneClick(boundary),
        contentType: `multipart/form-data; boundary=${boundary}`,
        base64: true,
      }),
    );
    expect(response.statusCode).toBe(200);
    expect(await getSuppression(key)).toMatchObject({ reason: 'OPPOSED', sources: ['one-click'] });
  });

  it("the page's button: OPPOSED from unsubscribe-link, a French confirmation", async () => {
    const { key } = someone();
    const response = await call(
      request('POST', `/u/${tokenFor(key)}`, { body: 'confirm=1', contentType: 'application/x-www-form-urlencoded' }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Désinscription enregistrée');
    expect(await getSuppression(key)).toMatchObject({ reason: 'OPPOSED', sources: ['unsubscribe-link'] });
  });

  it('rotation: a token signed with the old key (k1) still unsubscribes', async () => {
    const { key } = someone();
    const old = tokenFor(key, { kid: 'k1', at: new Date(Date.now() - 200 * DAY) });
    expect(old.startsWith('k1.')).toBe(true);
    expect((await call(request('POST', `/u/${old}`, GMAIL_ONE_CLICK))).statusCode).toBe(200);
    expect(await getSuppression(key)).toMatchObject({ reason: 'OPPOSED' });
  });
});

describe('key rotation across two containers (issue 19): a warm container learns the new key', () => {
  it('container A read the ring before k3 was added; container B signs with k3; A honours the one-click POST', async () => {
    const { loadSecrets } = await import('#store/secrets');
    // container A: warm, its secrets read before the rotation
    expect(Object.keys((await loadSecrets()).tokenKeys).sort()).toEqual(['k1', 'k2']);
    // the operator adds k3 and makes it current (old keys keep verifying); container B,
    // started after, signs a message's token with it
    const rotated: Secrets = {
      ...secrets,
      tokenKeys: { ...secrets.tokenKeys, k3: randomBytes(32).toString('hex') },
      currentTokenKeyId: 'k3',
    };
    process.env.HYGIENE_SECRETS = JSON.stringify(rotated);
    try {
      const { key } = someone();
      const token = createUnsubscribeToken({ suppressionKey: key, campaignId: 'ete-2027' }, rotated, new Date());
      expect(token.startsWith('k3.')).toBe(true);
      // Gmail POSTs to container A, which has never seen k3
      expect((await call(request('POST', `/u/${token}`, GMAIL_ONE_CLICK))).statusCode).toBe(200);
      expect(await getSuppression(key)).toMatchObject({ reason: 'OPPOSED' });
      // a forged key id right after: refused, and no new read of the secret within the minute
      const { secretsWithTokenKey } = await import('#store/secrets');
      const before = await loadSecrets();
      expect(
        (await call(request('POST', `/u/zz.${token.split('.').slice(1).join('.')}`, GMAIL_ONE_CLICK))).statusCode,
      ).toBe(400);
      expect(await secretsWithTokenKey('zz')).toBe(before);
    } finally {
      process.env.HYGIENE_SECRETS = JSON.stringify(secrets);
      resetSecrets();
    }
  });
});

describe('unsubscribe: bad tokens are refused, nothing recorded, nothing revealed', () => {
  it('a body past 16 KB is refused (413) before it is decoded; nothing recorded', async () => {
    const { key } = someone();
    const token = tokenFor(key);
    const huge = {
      body: `List-Unsubscribe=One-Click&${'x'.repeat(20_000)}`,
      contentType: 'application/x-www-form-urlencoded',
    };
    expect((await call(request('POST', `/u/${token}`, huge))).statusCode).toBe(413);
    expect(await getSuppression(key)).toBeUndefined();
  });

  const forge = (key: string) => {
    const token = tokenFor(key);
    const [kid, , sig] = token.split('.');
    const payload = Buffer.from(
      JSON.stringify({ k: key, c: 'printemps-2027', iat: Math.floor(Date.now() / 1000) + 1 }),
    ).toString('base64url');
    return `${kid}.${payload}.${sig}`;
  };
  it.each<[string, (key: string) => string]>([
    ['forged (payload changed, old signature)', forge],
    ['truncated', (key) => tokenFor(key).slice(0, -5)],
    ['expired (401 days old)', (key) => tokenFor(key, { at: new Date(Date.now() - 401 * DAY) })],
    [
      'signed with a key no longer in the ring',
      (key) =>
        createUnsubscribeToken(
          { suppressionKey: key, campaignId: 'printemps-2027' },
          { tokenKeys: { k0: 'f'.repeat(64) }, currentTokenKeyId: 'k0' },
          new Date(),
        ),
    ],
  ])('%s: POST and GET answer 400 with the generic page', async (_what, make) => {
    const { key } = someone();
    const token = make(key);
    const post = await call(request('POST', `/u/${token}`, GMAIL_ONE_CLICK));
    const get = await call(request('GET', `/u/${token}`));
    for (const response of [post, get]) {
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain("n'est pas valide ou a expiré");
      expect(response.body).not.toContain(key);
      expect(response.body).not.toContain('printemps-2027');
    }
    expect(await getSuppression(key)).toBeUndefined();
    expect(await oppositions(key)).toEqual([]);
  });

  it('other paths: 404; other methods: 405', async () => {
    const { key } = someone();
    expect((await call(request('GET', '/'))).statusCode).toBe(404);
    expect((await call(request('GET', '/u/'))).statusCode).toBe(404);
    expect((await call(request('PUT', `/u/${tokenFor(key)}`))).statusCode).toBe(405);
    expect(await getSuppression(key)).toBeUndefined();
  });
});

describe('what recipients see (issue 22)', () => {
  it('every page names the advertiser', async () => {
    const { key } = someone();
    const out = await call(request('GET', `/u/${tokenFor(key)}`));
    expect(out.body).toContain('Messages envoyés par Acme SAS');
  });

  it('« déjà désinscrit(e) » when it is done already: on a second POST, and on a later GET', async () => {
    const { key } = someone();
    const path = `/u/${tokenFor(key)}`;
    const first = await call(
      request('POST', path, { body: 'List-Unsubscribe=One-Click', contentType: 'application/x-www-form-urlencoded' }),
    );
    expect(first.body).toContain('Désinscription enregistrée');
    const second = await call(
      request('POST', path, { body: 'List-Unsubscribe=One-Click', contentType: 'application/x-www-form-urlencoded' }),
    );
    expect(second.statusCode).toBe(200);
    expect(second.body).toContain('Déjà désinscrit(e)');
    const later = await call(request('GET', path));
    expect(later.body).toContain('déjà désinscrit(e)');
  });

  it('the invalid-link page gives a way to object that works: the form records an opposition for the address typed', async () => {
    const bad = await call(request('GET', '/u/k2.bad.token'));
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('action="../opposition"');
    expect(bad.body).not.toContain('répondez');
    const { address, key } = someone();
    const form = await call(request('GET', '/opposition'));
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('name="email"');
    const posted = await call(
      request('POST', '/opposition', {
        body: `email=${encodeURIComponent(address.toUpperCase())}`,
        contentType: 'application/x-www-form-urlencoded',
      }),
    );
    expect(posted.statusCode).toBe(200);
    expect(await getSuppression(key)).toMatchObject({ reason: 'OPPOSED', sources: ['objection-form'] });
    const nonsense = await call(
      request('POST', '/opposition', {
        body: 'email=pas-une-adresse',
        contentType: 'application/x-www-form-urlencoded',
      }),
    );
    expect(nonsense.statusCode).toBe(400);
  });
});

describe('unsubscribe: logs', () => {
  it('no log line holds an address or a phone number', () => {
    const text = logs.text();
    expect(text).toContain('unsubscribe recorded');
    expect(text).not.toMatch(PERSONAL_DATA);
    // suppression keys appear as an 8-digit tag, never whole (issue 19: logs outlive an erasure)
    expect(text).not.toMatch(/[0-9a-f]{64}/);
  });
});
