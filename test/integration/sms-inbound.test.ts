import { randomInt, randomUUID } from 'node:crypto';
import type { Context, SNSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phoneSuppressionKey } from '#domain/keys';
import { ledgerEntriesFor } from '#store/ledger';
import { loadSecrets } from '#store/secrets';
import { getSuppression, lookupSuppressions } from '#store/suppressions';
import { handler } from '../../functions/sms-inbound/handler.ts';
import { useEmulators } from '../support/emulators.ts';
import { type CapturedLogs, captureLogs, PERSONAL_DATA } from '../support/logs.ts';

const context = { functionName: 'sms-inbound', awsRequestId: 'test' } as Context;
let secret: string;
let logs: CapturedLogs;

beforeAll(async () => {
  await useEmulators();
  secret = (await loadSecrets()).suppressionKeySecret;
  logs = captureLogs();
});
afterAll(() => logs.restore());

/** A French mobile in E.164, and the national form a list would carry. */
function mobile(): { e164: string; national: string } {
  // metropolitan mobiles: 06 10 … to 06 89 … (069x and 0639 are overseas numbers, +590/+262/+594/+596)
  const digits = String(randomInt(10_000_000, 89_999_999));
  return { e164: `+336${digits}`, national: `06 ${digits.replace(/(\d{2})(?=\d)/g, '$1 ')}` };
}

/** The SNS event of an inbound SMS, as AWS End User Messaging two-way SMS publishes it. */
function inboundSms(from: string, text: string, message?: string): SNSEvent {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: 'arn:aws:sns:eu-west-3:123456789012:sms-inbound:1a2b3c',
        Sns: {
          Type: 'Notification',
          MessageId: randomUUID(),
          TopicArn: 'arn:aws:sns:eu-west-3:123456789012:sms-inbound',
          Subject: '',
          Message:
            message ??
            JSON.stringify({
              originationNumber: from,
              destinationNumber: '+33644600000',
              messageKeyword: 'KEYWORD_123456789012',
              messageBody: text,
              inboundMessageId: randomUUID(),
              previousPublishedMessageId: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
            }),
          Timestamp: new Date().toISOString(),
          SignatureVersion: '1',
          Signature: 'EXAMPLE',
          SigningCertUrl: 'https://sns.eu-west-3.amazonaws.com/SimpleNotificationService-example.pem',
          UnsubscribeUrl: 'https://sns.eu-west-3.amazonaws.com/?Action=Unsubscribe',
          MessageAttributes: {},
        },
      },
    ],
  };
}

describe('sms-inbound: STOP is an opposition for the number (rules.md §8)', () => {
  it('STOP: OPPOSED from sms-stop on the E.164 key; twice = once', async () => {
    const { e164, national } = mobile();
    await handler(inboundSms(e164, 'STOP'), context);
    await handler(inboundSms(e164, 'STOP'), context);
    const key = phoneSuppressionKey(e164, secret) as string;
    expect(await getSuppression(key)).toMatchObject({ reason: 'OPPOSED', sources: ['sms-stop'], channel: 'sms' });
    expect((await ledgerEntriesFor(key)).filter((e) => e.type === 'opposition-recorded')).toHaveLength(1);
    // the same person as a list writes the number (rules.md §2: E.164)
    expect((await lookupSuppressions([phoneSuppressionKey(national, secret) as string])).size).toBe(1);
  });

  it.each(['stop', 'Arrêt.', 'ARRET', 'STOP SMS', 'désabonner', 'Unsubscribe !'])('%j is a STOP', async (text) => {
    const { e164 } = mobile();
    await handler(inboundSms(e164, text), context);
    expect(await getSuppression(phoneSuppressionKey(e164, secret) as string)).toMatchObject({ reason: 'OPPOSED' });
  });

  it.each(['Bonjour, rappelez-moi', 'stop merci', 'OK'])('%j is ignored', async (text) => {
    const { e164 } = mobile();
    await handler(inboundSms(e164, text), context);
    expect(await getSuppression(phoneSuppressionKey(e164, secret) as string)).toBeUndefined();
  });

  it('an unreadable message fails (Lambda retries it), without echoing it', async () => {
    const { e164 } = mobile();
    await expect(handler(inboundSms(e164, 'STOP', `not json ${e164}`), context)).rejects.toThrow(
      /^inbound SMS: [^+]*$/,
    );
    await expect(handler(inboundSms(e164, 'STOP', JSON.stringify({ messageBody: 'STOP' })), context)).rejects.toThrow(
      /originationNumber/,
    );
  });

  it('a STOP from a number that cannot be read fails (retried, then the dead-letter queue and its alarm), never dropped', async () => {
    const unreadable = '+33 6 12 XX 45';
    const failure = handler(inboundSms(unreadable, 'STOP'), context);
    await expect(failure).rejects.toThrow(/^inbound SMS: a STOP text whose sending number cannot be read/);
    await expect(failure).rejects.not.toThrow(/12/);
    // any other text from it is ignored as before
    await expect(handler(inboundSms(unreadable, 'Bonjour'), context)).resolves.not.toThrow();
  });

  it('no log line holds a phone number or an address', () => {
    const text = logs.text();
    expect(text).toContain('SMS STOP recorded');
    expect(text).toContain('inbound SMS ignored');
    expect(text).not.toMatch(PERSONAL_DATA);
    // suppression keys appear as an 8-digit tag, never whole (issue 19: logs outlive an erasure)
    expect(text).not.toMatch(/[0-9a-f]{64}/);
  });
});
