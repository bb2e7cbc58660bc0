import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { beforeAll, describe, expect, it } from 'vitest';
import { s3Client } from '#store/client-s3';
import { sesClient } from '#store/client-ses';
import { dynamoClient } from '#store/clients';
import type { ProvisionedNames } from '../../cli/local/provision.ts';
import { useEmulators } from '../support/emulators.ts';

describe('emulator round-trips (the SDK reaches them through AWS_ENDPOINT_URL_*)', () => {
  let names: ProvisionedNames;
  beforeAll(async () => {
    names = await useEmulators();
  });

  it('DynamoDB Local: put then get an item in a table built from the shared definition', async () => {
    const TableName = names.env.SUPPRESSIONS_TABLE;
    await dynamoClient().send(
      new PutItemCommand({ TableName, Item: { suppressionKey: { S: 'k1' }, reason: { S: 'OPPOSED' } } }),
    );
    const got = await dynamoClient().send(new GetItemCommand({ TableName, Key: { suppressionKey: { S: 'k1' } } }));
    expect(got.Item?.reason?.S).toBe('OPPOSED');
  });

  it('s3rver: put then get an object, bytes intact (accents, CRLF)', async () => {
    const body = 'email;nom\r\nélodie@example.fr;Lefèvre\r\n';
    await s3Client().send(
      new PutObjectCommand({ Bucket: names.bucket, Key: 'incoming/t/contacts.csv', Body: Buffer.from(body) }),
    );
    const got = await s3Client().send(new GetObjectCommand({ Bucket: names.bucket, Key: 'incoming/t/contacts.csv' }));
    expect(await got.Body?.transformToString('utf-8')).toBe(body);
  });

  it('aws-ses-v2-local: send an email with custom headers and read it back from the store', async () => {
    const sent = await (await sesClient()).send(
      new SendEmailCommand({
        FromEmailAddress: 'offres@acme.fr',
        Destination: { ToAddresses: ['success@simulator.amazonses.com'] },
        Content: {
          Simple: {
            Subject: { Data: 'Bonjour' },
            Body: { Text: { Data: 'Acme SAS — se désabonner' } },
            Headers: [{ Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' }],
          },
        },
      }),
    );
    expect(sent.MessageId).toBeTruthy();
    const store = (await (await fetch(`${process.env.AWS_ENDPOINT_URL_SESV2}/store`)).json()) as {
      emails: { messageId: string; subject: string; headers?: unknown }[];
    };
    const mail = store.emails.find((e) => e.messageId === sent.MessageId);
    expect(mail?.subject).toBe('Bonjour');
    expect(JSON.stringify(mail)).toContain('List-Unsubscribe=One-Click');
  });
});
