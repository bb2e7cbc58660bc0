/**
 * The SES mailbox simulator, locally: aws-ses-v2-local stores what is sent but publishes
 * no events, so this polls its store and, for each new message, emits the configuration-set
 * events AWS would publish to EventBridge (Send, then Delivery / Bounce / Complaint),
 * following the simulator addresses (labels allowed: `bounce+x@simulator.amazonses.com`):
 * success@ delivered; bounce@ hard bounce; complaint@ delivered then a complaint; ooto@
 * delivered (the auto-reply is not activity); suppressionlist@ bounced as on the
 * account-level suppression list. Other recipients are simply delivered.
 */
import { randomUUID } from 'node:crypto';
import { pollEvery } from './poll.ts';

interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  headers?: { name: string; value: string }[];
  at: number;
}

const DETAIL_TYPES: Record<string, string> = {
  Send: 'Email Sent',
  Delivery: 'Email Delivered',
  Bounce: 'Email Bounced',
  Complaint: 'Email Complaint Received',
};

function envelope(record: Record<string, unknown>): string {
  return JSON.stringify({
    version: '0',
    id: randomUUID(),
    'detail-type': DETAIL_TYPES[String(record.eventType)] ?? 'Email Event',
    source: 'aws.ses',
    account: '000000000000',
    time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    region: 'eu-west-3',
    resources: [],
    detail: record,
  });
}

/** The SES events (EventBridge envelopes) AWS would publish for one message to one recipient. */
export function simulatedEvents(email: StoredEmail, recipient: string, configurationSet: string): string[] {
  const sentAt = new Date(email.at * (email.at < 1e12 ? 1000 : 1));
  const later = (ms: number) => new Date(sentAt.getTime() + ms).toISOString();
  const mail = {
    timestamp: sentAt.toISOString(),
    source: email.from,
    sendingAccountId: '000000000000',
    messageId: email.messageId,
    destination: [recipient],
    headersTruncated: false,
    headers: email.headers ?? [],
    commonHeaders: { from: [email.from], to: [recipient], messageId: email.messageId, subject: email.subject },
    tags: { 'ses:configuration-set': [configurationSet] },
  };
  const events: Record<string, unknown>[] = [{ eventType: 'Send', mail, send: {} }];
  const [local = '', domain = ''] = recipient.toLowerCase().split('@');
  const box = domain === 'simulator.amazonses.com' ? local.split('+')[0] : undefined;
  const delivery = {
    eventType: 'Delivery',
    mail,
    delivery: {
      timestamp: later(800),
      processingTimeMillis: 800,
      recipients: [recipient],
      smtpResponse: '250 2.6.0 Message received',
      reportingMTA: 'local.simulator',
    },
  };
  const bounce = (subType: string) => ({
    eventType: 'Bounce',
    mail,
    bounce: {
      bounceType: 'Permanent',
      bounceSubType: subType,
      bouncedRecipients: [
        { emailAddress: recipient, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' },
      ],
      timestamp: later(900),
      feedbackId: randomUUID(),
      reportingMTA: 'dsn; local.simulator',
    },
  });
  switch (box) {
    case 'bounce':
      events.push(bounce('General'));
      break;
    case 'suppressionlist':
      events.push(bounce('OnAccountSuppressionList'));
      break;
    case 'complaint':
      events.push(delivery, {
        eventType: 'Complaint',
        mail,
        complaint: {
          complainedRecipients: [{ emailAddress: recipient }],
          timestamp: later(60_000),
          feedbackId: randomUUID(),
          complaintFeedbackType: 'abuse',
          arrivalDate: later(60_000),
        },
      });
      break;
    default:
      events.push(delivery);
  }
  return events.map(envelope);
}

/**
 * Polls the SES emulator's store and hands the events of each new message to `publish`.
 * Returns a stop function.
 */
export function startSesSimulator(
  sesEndpoint: string,
  configurationSet: string,
  publish: (eventBridgeEnvelope: string) => void,
  intervalMs = 300,
): { stop: () => void; poll: () => Promise<void> } {
  const seen = new Set<string>();
  const poll = async () => {
    try {
      const res = await fetch(`${sesEndpoint}/store`);
      const store = (await res.json()) as { emails: StoredEmail[] };
      for (const email of store.emails) {
        if (seen.has(email.messageId)) continue;
        seen.add(email.messageId);
        for (const recipient of email.destination.to) {
          for (const event of simulatedEvents(email, recipient, configurationSet)) publish(event);
        }
      }
    } catch {
      // the emulator is starting or stopping
    }
  };
  return pollEvery(poll, intervalMs);
}
