/**
 * The SMS adapter: one interface, two implementations.
 * - AWS End User Messaging SMS (`SendTextMessage` of `@aws-sdk/client-pinpoint-sms-voice-v2`),
 *   in a Lambda; written against the small part of the client it uses (testable without AWS).
 * - A local outbox (the local stack, tests, the CLI): messages are kept in memory and,
 *   when `SMS_OUTBOX_FILE` is set, appended to that file as JSON lines.
 */
import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';

export interface SmsToSend {
  /** E.164 */
  to: string;
  /** the short code (rules.md §6: 5 digits starting with 3–8) */
  from: string;
  body: string;
}

export interface SmsSender {
  sendSms(sms: SmsToSend): Promise<{ messageId: string }>;
}

/** The request fields of End User Messaging's SendTextMessage that we set. */
export interface SendTextMessageInput {
  DestinationPhoneNumber: string;
  OriginationIdentity: string;
  MessageBody: string;
  MessageType: 'PROMOTIONAL';
  ConfigurationSetName?: string;
  Context?: Record<string, string>;
}

/** `(input) => client.send(new SendTextMessageCommand(input))`, from @aws-sdk/client-pinpoint-sms-voice-v2. */
export type SendTextMessage = (input: SendTextMessageInput) => Promise<{ MessageId?: string }>;

/**
 * SMS through AWS End User Messaging. `context` (e.g. contactId, campaignId) travels with
 * the message into its events, as SES tags do for email.
 */
export function awsSmsSender(
  sendTextMessage: SendTextMessage,
  options: { configurationSet?: string; context?: (sms: SmsToSend) => Record<string, string> } = {},
): SmsSender {
  return {
    async sendSms(sms) {
      const out = await sendTextMessage({
        DestinationPhoneNumber: sms.to,
        OriginationIdentity: sms.from,
        MessageBody: sms.body,
        // rules.md §6: prospecting is promotional traffic (operators apply their rules to it)
        MessageType: 'PROMOTIONAL',
        ...(options.configurationSet ? { ConfigurationSetName: options.configurationSet } : {}),
        ...(options.context ? { Context: options.context(sms) } : {}),
      });
      if (!out.MessageId) throw new Error('SendTextMessage answered without a MessageId');
      return { messageId: out.MessageId };
    },
  };
}

export interface OutboxEntry extends SmsToSend {
  messageId: string;
  at: string;
}

/** The local outbox: what would have been sent, in memory and optionally in a JSON-lines file. */
export class LocalSmsOutbox implements SmsSender {
  readonly sent: OutboxEntry[] = [];

  constructor(private readonly file?: string) {}

  async sendSms(sms: SmsToSend): Promise<{ messageId: string }> {
    const entry: OutboxEntry = { ...sms, messageId: `local-sms-${randomUUID()}`, at: new Date().toISOString() };
    this.sent.push(entry);
    if (this.file) await appendFile(this.file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    return { messageId: entry.messageId };
  }
}

let configured: SmsSender | undefined;

/** Wires the sender of this process (tests, or another provider). */
export function useSmsSender(sender: SmsSender | undefined): void {
  configured = sender;
}

/**
 * The sender of this process: the one wired with useSmsSender; in a Lambda, AWS End User
 * Messaging; elsewhere (the local stack, the CLI) the local outbox.
 */
export function smsSender(): SmsSender {
  if (configured) return configured;
  if (process.env.AWS_LAMBDA_FUNCTION_NAME && !process.env.SMS_OUTBOX_FILE) {
    // The client is loaded with the first SMS (≈ 50 ms), not at every cold start of a
    // sender that may only ever send email. One attempt: a message is sent at most once;
    // throttling is retried by the caller.
    const client = import('@aws-sdk/client-pinpoint-sms-voice-v2').then(
      ({ PinpointSMSVoiceV2Client, SendTextMessageCommand }) => ({
        send: (input: SendTextMessageInput) =>
          new PinpointSMSVoiceV2Client({ maxAttempts: 1 }).send(new SendTextMessageCommand(input)),
      }),
    );
    configured = awsSmsSender(async (input) => (await client).send(input), {
      configurationSet: process.env.SMS_CONFIGURATION_SET,
    });
  } else {
    configured = new LocalSmsOutbox(process.env.SMS_OUTBOX_FILE);
  }
  return configured;
}
