import { describe, expect, it } from 'vitest';
import type { Contact } from '#domain/contact';
import {
  contactAfterActivity,
  countSoftBounce,
  decideInboundSms,
  decideSesEvent,
  isStopText,
  type SesEventAction,
  senderAuthFailure,
  suppressionRemovesContact,
} from '#domain/events';
import { emailSuppressionKey, phoneSuppressionKey } from '#domain/keys';
import { strongestSuppression } from '#domain/reasons';
import { readSesMessage, SesMessageInvalid } from '#schemas/ses-events';
import { defaultSettings } from '#schemas/settings';
import { type FixtureOptions, inEventBridge, inSns, type SesFixture, sesRecord } from '../../support/ses-events.ts';

const secret = 'a'.repeat(64);
const now = new Date('2027-03-03T00:00:00.000Z');
const ctx = { now, settings: defaultSettings, suppressionKeySecret: secret };
const key = (address: string) => emailSuppressionKey(address, secret) as string;
const TO = 'jean.dupont@societe.fr';
const K = key(TO);

function decideAll(name: SesFixture, options: FixtureOptions = {}, mutate?: (r: Record<string, unknown>) => void) {
  const record = sesRecord(name, { to: TO, contactId: K, ...options });
  mutate?.(record);
  const message = readSesMessage(JSON.stringify(record));
  if (message.kind !== 'event') throw new Error(`expected an event, got ${message.type}`);
  return decideSesEvent(message.record, ctx);
}
/** the actions on the contact (the campaign's breaker count is tested apart, below) */
const decide = (...args: Parameters<typeof decideAll>) => decideAll(...args).filter((a) => a.kind !== 'campaign-count');
const kinds = (actions: SesEventAction[]) => actions.map((a) => a.kind);

describe('decideSesEvent: every event type (rules.md §8)', () => {
  it.each<[SesFixture, string[]]>([
    ['bounce-permanent', ['suppress', 'delete-contact']],
    ['bounce-transient', ['soft-bounce']],
    ['complaint', ['suppress']],
    ['subscription', ['suppress']],
    ['click', ['activity']],
    ['open', []],
    ['delivery', ['solicited']],
    ['send', ['solicited']],
    ['reject', []],
    ['rendering-failure', []],
    ['delivery-delay', []],
    ['legacy-bounce-notification', ['suppress', 'delete-contact']],
    ['legacy-complaint-notification', ['suppress']],
  ])('%s → %j', (name, expected) => {
    const actions = decide(name);
    expect(kinds(actions)).toEqual(expected);
    for (const a of actions) expect(a.suppressionKey).toBe(K);
  });

  it('a hard bounce is BOUNCED from the hard-bounce source, with the campaign tag', () => {
    expect(decide('bounce-permanent')[0]).toEqual({
      kind: 'suppress',
      suppressionKey: K,
      reason: 'BOUNCED',
      source: 'hard-bounce',
      at: new Date('2027-03-02T09:01:00.669Z'),
      campaignId: 'printemps-2027',
    });
  });

  it('a complaint and an SES unsubscribe are oppositions', () => {
    expect(decide('complaint')[0]).toMatchObject({ reason: 'OPPOSED', source: 'complaint' });
    expect(decide('subscription')[0]).toMatchObject({ reason: 'OPPOSED', source: 'ses-subscription' });
  });

  it.each<[string, string, string[]]>([
    ['Permanent', 'General', ['suppress', 'delete-contact']],
    ['Permanent', 'NoEmail', ['suppress', 'delete-contact']],
    ['Permanent', 'Suppressed', ['suppress', 'delete-contact']],
    ['Permanent', 'OnAccountSuppressionList', ['suppress', 'delete-contact']],
    ['Permanent', 'UnsupportedDisplayName', []],
    ['Transient', 'General', ['soft-bounce']],
    ['Transient', 'MailboxFull', ['soft-bounce']],
    ['Transient', 'MessageTooLarge', []],
    ['Transient', 'ContentRejected', []],
    ['Transient', 'AttachmentRejected', []],
    ['Undetermined', 'Undetermined', []],
  ])('bounce %s/%s → %j', (bounceType, bounceSubType, expected) => {
    const actions = decide('bounce-permanent', {}, (r) => {
      Object.assign(r.bounce as object, { bounceType, bounceSubType });
    });
    expect(kinds(actions)).toEqual(expected);
  });

  it('a subscription change that opts out of one topic is an opposition; opting in is not', () => {
    const optOutOne = (r: Record<string, unknown>) => {
      (r.subscription as { newTopicPreferences: unknown }).newTopicPreferences = {
        unsubscribeAll: false,
        topicSubscriptionStatus: [
          { topicName: 'offres', subscriptionStatus: 'OptIn' },
          { topicName: 'actus', subscriptionStatus: 'OptOut' },
        ],
      };
    };
    const optIn = (r: Record<string, unknown>) => {
      (r.subscription as { newTopicPreferences: unknown }).newTopicPreferences = {
        unsubscribeAll: false,
        topicSubscriptionStatus: [{ topicName: 'offres', subscriptionStatus: 'OptIn' }],
      };
    };
    expect(kinds(decide('subscription', {}, optOutOne))).toEqual(['suppress']);
    expect(decide('subscription', {}, optIn)).toEqual([]);
  });
});

describe('decideSesEvent: which contact (tags, addresses, canonical form)', () => {
  it('without the contactId tag, the recipient address is keyed', () => {
    expect(decide('complaint', { contactId: null }).map((a) => a.suppressionKey)).toEqual([K]);
  });

  it('a tag and a different recipient: both are opposed (widening is the safe side)', () => {
    const other = key('autre@societe.fr');
    const keys = decide('complaint', { contactId: other }).map((a) => a.suppressionKey);
    expect(keys.sort()).toEqual([K, other].sort());
  });

  it('with several destinations the tag is not used, every complained recipient is', () => {
    const tagged = key('tag@societe.fr');
    const actions = decide('complaint', { contactId: tagged }, (r) => {
      (r.mail as { destination: string[] }).destination = ['a@societe.fr', 'b@societe.fr'];
      (r.complaint as { complainedRecipients: unknown }).complainedRecipients = [
        { emailAddress: 'a@societe.fr' },
        { emailAddress: 'b@societe.fr' },
      ];
    });
    expect(actions.map((a) => a.suppressionKey).sort()).toEqual([key('a@societe.fr'), key('b@societe.fr')].sort());
  });

  it('rules.md §2: a complaint from J.Dupont+x@gmail.com is keyed like jdupont@gmail.com', () => {
    const actions = decide('complaint', { to: 'J.Dupont+x@gmail.com', contactId: null });
    expect(actions.map((a) => a.suppressionKey)).toEqual([key('jdupont@gmail.com')]);
  });

  it('a tag that is not a suppression key is not trusted', () => {
    const actions = decide('complaint', { contactId: 'not-a-key' });
    expect(actions.map((a) => a.suppressionKey)).toEqual([K]);
  });
});

describe('decideSesEvent: clicks and opens (rules.md §1, §5, §8)', () => {
  const mailAt = '2027-03-02T09:00:00.000Z';
  it.each<[string, string, string, boolean]>([
    ['a link of the message, an hour later', 'https://www.acme.fr/offres', '2027-03-02T10:00:00.000Z', true],
    ['the unsubscribe link itself', 'http://127.0.0.1:8010/u/k1.abc.def', '2027-03-02T10:00:00.000Z', false],
    [
      'the unsubscribe link with a query string',
      'http://127.0.0.1:8010/u/k1.abc.def?x=1',
      '2027-03-02T10:00:00.000Z',
      false,
    ],
    ['a /u/ path on another site', 'https://www.acme.fr/u/promo', '2027-03-02T10:00:00.000Z', true],
    ['1.999 s after the send (a scanner)', 'https://www.acme.fr/offres', '2027-03-02T09:00:01.999Z', false],
    ['0 s after the send (a scanner)', 'https://www.acme.fr/offres', mailAt, false],
    ['2 s after the send', 'https://www.acme.fr/offres', '2027-03-02T09:00:02.000Z', true],
  ])('%s → activity: %s', (_what, link, at, expected) => {
    const actions = decide('click', { link, at, mailAt });
    expect(kinds(actions)).toEqual(expected ? ['activity'] : []);
    if (expected) expect(actions[0]).toMatchObject({ at: new Date(at) });
  });

  it('a click stamped after now counts as of now', () => {
    const actions = decide('click', { at: '2027-06-01T00:00:00.000Z' });
    expect(actions[0]).toMatchObject({ kind: 'activity', at: now });
  });

  it('an open is never activity', () => {
    expect(decide('open')).toEqual([]);
  });

  it('delivery and send record the solicitation time', () => {
    expect(decide('delivery')[0]).toMatchObject({ kind: 'solicited', at: new Date('2027-03-02T09:00:04.133Z') });
    expect(decide('send')[0]).toMatchObject({ kind: 'solicited', at: new Date('2027-03-02T09:00:00.000Z') });
  });
});

describe('readSesMessage: envelopes', () => {
  const record = sesRecord('complaint', { to: TO, contactId: K });
  it.each<[string, string, string]>([
    ['EventBridge in SQS', inEventBridge(record), 'eventbridge'],
    ['SNS notification in SQS', inSns(record), 'sns'],
    [
      'an SNS record (Sns.Message)',
      JSON.stringify({ EventSource: 'aws:sns', Sns: { Message: JSON.stringify(record) } }),
      'sns',
    ],
    ['the raw record', JSON.stringify(record), 'raw'],
  ])('%s', (_what, body, envelope) => {
    const message = readSesMessage(body);
    expect(message).toMatchObject({ kind: 'event', envelope, record: { eventType: 'Complaint' } });
  });

  it('an unknown event type is ignored, not failed', () => {
    expect(readSesMessage(JSON.stringify({ eventType: 'Teleported', mail: {} }))).toEqual({
      kind: 'ignored',
      type: 'Teleported',
    });
    expect(readSesMessage(inEventBridge({ eventType: 'Teleported', mail: {} }))).toEqual({
      kind: 'ignored',
      type: 'Teleported',
    });
    expect(readSesMessage(JSON.stringify({ notificationType: 'AmazonSnsSubscriptionSucceeded', mail: {} }))).toEqual({
      kind: 'ignored',
      type: 'AmazonSnsSubscriptionSucceeded',
    });
  });

  it('an SNS subscription confirmation is ignored', () => {
    const body = JSON.stringify({
      Type: 'SubscriptionConfirmation',
      TopicArn: 'arn:aws:sns:eu-west-3:1:t',
      Message: 'x',
    });
    expect(readSesMessage(body)).toEqual({ kind: 'ignored', type: 'sns:SubscriptionConfirmation' });
  });

  it.each([
    ['not JSON', 'hello jean.dupont@societe.fr'],
    [
      'a Bounce without its bounce',
      JSON.stringify({ eventType: 'Bounce', mail: sesRecord('complaint', { to: TO }).mail }),
    ],
    ['a Click with a bad timestamp', JSON.stringify(sesRecord('click', { to: TO, at: 'jean.dupont@societe.fr' }))],
  ])('malformed (%s): SesMessageInvalid, no address in the message', (_what, body) => {
    let error: unknown;
    try {
      readSesMessage(body);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SesMessageInvalid);
    expect((error as Error).message).not.toContain('@');
  });
});

describe('countSoftBounce (rules.md §8: N within the window)', () => {
  const settings = { softBounceThreshold: 3, softBounceWindowDays: 30 };
  const d = (s: string) => new Date(s);
  it.each<[string, string[], string, { count: number; counted: boolean; bounced: boolean }]>([
    ['first', [], '2027-03-01T00:00:00.000Z', { count: 1, counted: true, bounced: false }],
    [
      'third within 30 days',
      ['2027-03-01T00:00:00.000Z', '2027-03-10T00:00:00.000Z'],
      '2027-03-20T00:00:00.000Z',
      { count: 3, counted: true, bounced: true },
    ],
    [
      'third, first one too old',
      ['2027-01-01T00:00:00.000Z', '2027-03-10T00:00:00.000Z'],
      '2027-03-20T00:00:00.000Z',
      { count: 2, counted: true, bounced: false },
    ],
    [
      'a repeat of the same bounce',
      ['2027-03-01T00:00:00.000Z', '2027-03-10T00:00:00.000Z'],
      '2027-03-10T00:00:00.000Z',
      { count: 2, counted: false, bounced: false },
    ],
    [
      'a late (out of order) bounce within the window',
      ['2027-03-10T00:00:00.000Z', '2027-03-20T00:00:00.000Z'],
      '2027-03-05T00:00:00.000Z',
      { count: 3, counted: true, bounced: true },
    ],
  ])('%s', (_what, stored, at, expected) => {
    const r = countSoftBounce(stored, d(at), settings);
    expect({ count: r.softBounces.length, counted: r.counted, bounced: r.bounced }).toEqual(expected);
  });
});

describe('contactAfterActivity (rules.md §5)', () => {
  const contact = {
    suppressionKey: K,
    kind: 'professional',
    bases: { email: 'b2b-interest' },
    listId: 'l',
    listIds: ['l'],
    sourceKind: 'event',
    collectedAt: '2026-01-01T00:00:00.000Z',
    productCategories: [],
    informAtFirstMessage: false,
    lastActivityAt: '2026-06-01T00:00:00.000Z',
    expiresAt: '2029-06-01T00:00:00.000Z',
  } as Contact;
  it('a click restarts the clock from the click', () => {
    const after = contactAfterActivity(contact, new Date('2027-03-02T11:30:00.000Z'), defaultSettings);
    expect(after).toMatchObject({ lastActivityAt: '2027-03-02T11:30:00.000Z', expiresAt: '2030-03-02T11:30:00.000Z' });
  });
  it('an older click changes nothing', () => {
    expect(contactAfterActivity(contact, new Date('2026-05-01T00:00:00.000Z'), defaultSettings)).toBeUndefined();
  });
  it('a click after expiry does not revive the contact', () => {
    expect(contactAfterActivity(contact, new Date('2029-06-02T00:00:00.000Z'), defaultSettings)).toBeUndefined();
  });
});

describe('isStopText (rules.md §8)', () => {
  it.each([
    'STOP',
    'stop',
    '  Stop  ',
    'Stop.',
    'STOP!',
    'stop !',
    'ARRET',
    'Arrêt',
    'ARRÊT',
    'arrêt...',
    'STOP SMS',
    'stop  sms',
    'DESABONNER',
    'désabonner',
    'Désabonner.',
    'UNSUBSCRIBE',
    'unsubscribe',
  ])('%j is a STOP', (text) => {
    expect(isStopText(text)).toBe(true);
  });
  it.each(['', 'stop merci', 'Bonjour', 'STOPPER', 'ne pas stop', 'OK', 'START', '.STOP'])('%j is not', (text) => {
    expect(isStopText(text)).toBe(false);
  });
});

describe('decideInboundSms', () => {
  it('a STOP from a French number is an opposition for its E.164 key', () => {
    expect(decideInboundSms({ originationNumber: '+33612345678', messageBody: 'Stop' }, ctx)).toEqual({
      suppressionKey: phoneSuppressionKey('06 12 34 56 78', secret),
    });
  });
  it('another text, or an unreadable number, calls for nothing', () => {
    expect(decideInboundSms({ originationNumber: '+33612345678', messageBody: 'Merci' }, ctx)).toBeUndefined();
    // a STOP is never dropped: an unreadable number is said, for the dead-letter path
    expect(decideInboundSms({ originationNumber: 'not a number', messageBody: 'STOP' }, ctx)).toEqual({
      unreadableNumber: true,
    });
    expect(decideInboundSms({ originationNumber: 'not a number', messageBody: 'Merci' }, ctx)).toBeUndefined();
  });
});

describe('suppressionRemovesContact: which suppressions a list judged before them replays (rules.md §8, §9)', () => {
  it.each([
    [['hard-bounce'], true],
    [['soft-bounces'], true],
    [['erasure'], true],
    [['one-click', 'hard-bounce'], true],
    [['one-click'], false],
    [['unsubscribe-link'], false],
    [['sms-stop'], false],
    [['complaint'], false],
    [['ses-subscription'], false],
    [[], false],
  ])('%j → %s', (sources, removes) => {
    expect(suppressionRemovesContact(sources)).toBe(removes);
  });
});

describe('strongestSuppression: a person over all their keys (rules.md §0.1, §4 R3)', () => {
  it.each([
    [[undefined, undefined], undefined],
    [['BOUNCED', undefined], 'BOUNCED'],
    [[undefined, 'OPPOSED'], 'OPPOSED'],
    [['BOUNCED', 'OPPOSED'], 'OPPOSED'],
    [[], undefined],
  ] as const)('%j → %s', (reasons, strongest) => {
    expect(strongestSuppression(reasons)).toBe(strongest);
  });
});

describe('the breaker counts and the sender-fault bounce (rules.md §6, §8)', () => {
  const counted = (actions: SesEventAction[]) =>
    actions.flatMap((a) => (a.kind === 'campaign-count' ? [[a.campaignId, a.suppressionKey, a.count]] : []));

  it.each<[SesFixture, string]>([
    ['delivery', 'deliveries'],
    ['complaint', 'complaints'],
    ['bounce-permanent', 'hardBounces'],
  ])('%s counts %s for its campaign and contact', (name, count) => {
    expect(counted(decideAll(name, { campaignId: 'printemps-2027' }))).toEqual([['printemps-2027', K, count]]);
  });

  it('a soft bounce, an open, a click count nothing; an event with no campaign tag neither', () => {
    for (const name of ['bounce-transient', 'open', 'click'] as SesFixture[])
      expect(counted(decideAll(name, { campaignId: 'printemps-2027' }))).toEqual([]);
    expect(counted(decideAll('delivery', { campaignId: null }))).toEqual([]);
  });

  const authBounce = (recipient: Record<string, string>, bounceType = 'Permanent') =>
    decideAll('bounce-permanent', { campaignId: 'printemps-2027' }, (r) => {
      const bounce = (r.bounce ?? (r.detail as Record<string, unknown>)?.bounce) as Record<string, unknown>;
      bounce.bounceType = bounceType;
      bounce.bouncedRecipients = [{ emailAddress: TO, action: 'failed', ...recipient }];
    });

  it.each([
    [
      {
        status: '5.7.26',
        diagnosticCode: 'smtp; 550 5.7.26 This mail has been blocked because the sender is unauthenticated.',
      },
      '5.7.26',
    ],
    [
      { status: '5.0.0', diagnosticCode: 'smtp; 550-5.7.26 Unauthenticated email from acme.fr is not accepted' },
      '5.7.26',
    ],
    [{ diagnosticCode: 'smtp; 550 5.7.27 Sender address has null MX' }, '5.7.27'],
    [
      {
        status: '5.7.515',
        diagnosticCode:
          "smtp; 550 5.7.515 Access denied, sending domain doesn't meet the required authentication level.",
      },
      '5.7.515',
    ],
    [
      {
        status: '5.7.509',
        diagnosticCode: 'smtp; 550 5.7.509 Access denied, sending domain does not pass DMARC verification',
      },
      '5.7.509',
    ],
  ])(
    "a bounce whose diagnostic is %j is the sender's fault (%s): no BOUNCED, no soft bounce, counted apart",
    (recipient, code) => {
      const actions = authBounce(recipient);
      expect(kinds(actions)).toEqual(['sender-fault', 'campaign-count']);
      expect(actions[0]).toMatchObject({ kind: 'sender-fault', code, campaignId: 'printemps-2027' });
      expect(counted(actions)).toEqual([['printemps-2027', K, 'senderFaults']]);
      // a transient one too: not a soft bounce of the address
      expect(kinds(authBounce(recipient, 'Transient'))).toEqual(['sender-fault', 'campaign-count']);
    },
  );

  it.each([
    [{ status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
    [{ status: '5.7.1', diagnosticCode: 'smtp; 550 5.7.1 Message rejected' }],
    [{ diagnosticCode: 'smtp; 550 5.7.260 not a real code' }],
  ])('%j is not a sender authentication failure', (recipient) => {
    expect(senderAuthFailure([recipient])).toBeUndefined();
    expect(kinds(authBounce(recipient))).toEqual(['suppress', 'delete-contact', 'campaign-count']);
  });
});
