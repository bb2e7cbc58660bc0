/** The pure parts of sending: the SESv2 request, the token bucket, the throttling retries. */
import { describe, expect, it } from 'vitest';
import { retryThrottled, StillThrottled, TokenBucket } from '#shared/sending-rate';
import { sendEmailInput } from '#store/email';

describe('sendEmailInput (SESv2 SendEmail, Content.Simple)', () => {
  const key = 'a'.repeat(64);
  const input = sendEmailInput({
    from: 'Acme <offres@acme.fr>',
    to: 'jean.dupont@btp-durand.fr',
    subject: 'Nos offres',
    text: 'Acme SAS… https://d.acme.fr/u/T',
    html: '<p>Acme SAS</p>',
    unsubscribeUrl: 'https://d.acme.fr/u/T',
    configurationSet: 'prospect-hygiene',
    suppressionKey: key,
    campaignId: 'printemps-2027',
  });

  it('carries the one-click unsubscribe headers of RFC 8058 (rules.md §7)', () => {
    expect(input.Content?.Simple?.Headers).toEqual([
      { Name: 'List-Unsubscribe', Value: '<https://d.acme.fr/u/T>' },
      { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
    ]);
  });

  it('names the configuration set and tags the contact by suppression key and the campaign (rules.md §8)', () => {
    expect(input.ConfigurationSetName).toBe('prospect-hygiene');
    expect(input.EmailTags).toEqual([
      { Name: 'contactId', Value: key },
      { Name: 'campaignId', Value: 'printemps-2027' },
    ]);
    expect(input.Destination).toEqual({ ToAddresses: ['jean.dupont@btp-durand.fr'] });
    expect(input.FromEmailAddress).toBe('Acme <offres@acme.fr>');
  });

  it('sends both bodies when there is HTML, the text alone otherwise', () => {
    expect(input.Content?.Simple?.Body).toEqual({
      Text: { Data: 'Acme SAS… https://d.acme.fr/u/T', Charset: 'UTF-8' },
      Html: { Data: '<p>Acme SAS</p>', Charset: 'UTF-8' },
    });
    const textOnly = sendEmailInput({
      from: 'a@acme.fr',
      to: 'b@c.fr',
      subject: 's',
      text: 't',
      unsubscribeUrl: 'u',
      configurationSet: 'c',
      suppressionKey: key,
      campaignId: 'x',
    });
    expect(Object.keys(textOnly.Content?.Simple?.Body ?? {})).toEqual(['Text']);
  });
});

/** A clock that only moves when the bucket sleeps. */
function fakeTime() {
  let t = 0;
  const sleeps: number[] = [];
  return {
    clock: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('TokenBucket', () => {
  it('lets a burst of one second through, then paces at the rate', async () => {
    const time = fakeTime();
    const bucket = new TokenBucket(10, { clock: time.clock, sleep: time.sleep });
    for (let i = 0; i < 10; i++) await bucket.take();
    expect(time.sleeps).toEqual([]);
    for (let i = 0; i < 20; i++) await bucket.take();
    // 20 more messages at 10/s take 2 s of waiting
    expect(time.clock()).toBe(2000);
  });

  it('refills with the time that passed', async () => {
    const time = fakeTime();
    const bucket = new TokenBucket(2, { clock: time.clock, sleep: time.sleep });
    await bucket.take();
    await bucket.take();
    time.advance(1000);
    await bucket.take();
    await bucket.take();
    expect(time.sleeps).toEqual([]);
    await bucket.take();
    expect(time.sleeps).toEqual([500]);
  });

  it('serves concurrent takers without overdrawing', async () => {
    const time = fakeTime();
    const bucket = new TokenBucket(5, { clock: time.clock, sleep: time.sleep });
    await Promise.all(Array.from({ length: 15 }, () => bucket.take()));
    expect(time.clock()).toBe(2000);
  });
});

describe('retryThrottled', () => {
  const throttling = (name: string) => Object.assign(new Error('slow down'), { name });

  it.each(['TooManyRequestsException', 'ThrottlingException', 'LimitExceededException'])(
    'retries %s with exponential backoff and full jitter',
    async (name) => {
      const waits: number[] = [];
      let calls = 0;
      const result = await retryThrottled(
        async () => {
          if (++calls < 4) throw throttling(name);
          return 'ok';
        },
        { baseMs: 100, capMs: 250, sleep: async (ms) => void waits.push(ms), random: () => 1 },
      );
      expect(result).toBe('ok');
      // base·2^n, capped
      expect(waits).toEqual([100, 200, 250]);
    },
  );

  it('gives up after maxAttempts with StillThrottled', async () => {
    let calls = 0;
    const attempt = async () => {
      calls++;
      throw throttling('TooManyRequestsException');
    };
    await expect(retryThrottled(attempt, { maxAttempts: 4, sleep: async () => undefined })).rejects.toBeInstanceOf(
      StillThrottled,
    );
    expect(calls).toBe(4);
  });

  it.each(['MessageRejected', 'AccountSuspendedException', 'TimeoutError'])('does not retry %s', async (name) => {
    let calls = 0;
    const attempt = async () => {
      calls++;
      throw throttling(name);
    };
    await expect(retryThrottled(attempt, { sleep: async () => undefined })).rejects.toMatchObject({ name });
    expect(calls).toBe(1);
  });
});
