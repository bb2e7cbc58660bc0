import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings } from '#schemas/settings';
import { deleteContact, putNewContacts } from '#store/contacts';
import type { ProvisionedNames } from '../../cli/local/provision.ts';
import { startStreamPoller } from '../../cli/local/stream-poller.ts';
import { receiveContactsStream } from '../../functions/ttl-receipts/handler.ts';
import { contactWith } from '../support/contacts.ts';
import { useEmulators } from '../support/emulators.ts';

describe('local stack: the contacts stream polled as an event source mapping', () => {
  let names: ProvisionedNames;
  const received: DynamoDBRecord[] = [];
  const failures: unknown[] = [];
  let poller: ReturnType<typeof startStreamPoller>;
  beforeAll(async () => {
    names = await useEmulators();
    poller = startStreamPoller(
      names.env.CONTACTS_TABLE as string,
      async (event) => {
        received.push(...event.Records);
        // the records reach the real handler in the shape Lambda gives it
        const out = await receiveContactsStream(event);
        failures.push(...out.batchItemFailures);
        return out;
      },
      100_000,
    );
    await poller.poll(); // positions the shard iterators at LATEST
  });
  afterAll(() => poller.stop());

  it('delivers each INSERT and REMOVE once, in order, with the old image on REMOVE', async () => {
    const contact = contactWith(
      'stream',
      { regime: 'prospect', collectedAt: new Date('2026-10-05T00:00:00Z') },
      defaultSettings,
    );
    await putNewContacts([contact], defaultSettings);
    await deleteContact(contact.suppressionKey);
    for (let i = 0; i < 10 && received.length < 2; i++) {
      await poller.poll();
      await new Promise((r) => setTimeout(r, 200));
    }
    await poller.poll();
    expect(received.map((r) => r.eventName)).toEqual(['INSERT', 'REMOVE']);
    expect(received[1]?.dynamodb?.OldImage?.suppressionKey?.S).toBe(contact.suppressionKey);
    expect(typeof received[1]?.dynamodb?.ApproximateCreationDateTime).toBe('number');
    expect(failures).toEqual([]);
  });
});
