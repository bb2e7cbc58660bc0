import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localStackEnv, useLocalStackDefaults } from '../../../cli/local-target.ts';

const names = Object.keys(localStackEnv()).concat(['HYGIENE_SECRETS', 'HMAC_SECRET_ARN']);

describe('useLocalStackDefaults', () => {
  let saved: NodeJS.ProcessEnv;
  beforeEach(() => {
    saved = { ...process.env };
    for (const name of names) delete process.env[name];
  });
  afterEach(() => {
    process.env = saved;
  });

  it('with nothing set, points every client at the local stack of `hygiene up`', () => {
    useLocalStackDefaults();
    expect(process.env).toMatchObject({
      LEDGER_TABLE: 'hygiene-ledger',
      CONTACTS_TABLE: 'hygiene-contacts',
      SUPPRESSIONS_TABLE: 'hygiene-suppressions',
      BUCKET_NAME: 'hygiene-lists',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4569',
      AWS_ENDPOINT_URL_SESV2: 'http://127.0.0.1:8005',
      AWS_REGION: 'eu-west-3',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    expect(process.env.HYGIENE_SECRETS_FILE).toMatch(/\.local\/secrets\.json$/);
  });

  it('keeps what the caller set, and another secrets source', () => {
    process.env.AWS_REGION = 'eu-west-1';
    process.env.HYGIENE_SECRETS = '{}';
    useLocalStackDefaults();
    expect(process.env.AWS_REGION).toBe('eu-west-1');
    expect(process.env.HYGIENE_SECRETS_FILE).toBeUndefined();
  });

  it('a named target (a table or the bucket) is taken as it is: no local endpoint leaks into it', () => {
    process.env.LEDGER_TABLE = 'prod-ledger';
    useLocalStackDefaults();
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBeUndefined();
    expect(process.env.BUCKET_NAME).toBeUndefined();
  });
});
