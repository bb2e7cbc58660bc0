/**
 * Email through SESv2 `SendEmail` with `Content.Simple`: SESv2 is the API that sets
 * custom headers (`List-Unsubscribe`, `List-Unsubscribe-Post`, rules.md §7) on a simple
 * message; with v1 we would have to build the MIME ourselves.
 */
import type { SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { sesClient } from './client-ses.ts';

export interface EmailToSend {
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** `<base>/u/<token>`: also in the body, put there by renderEmail */
  unsubscribeUrl: string;
  /** the configuration set that publishes bounces, complaints and clicks (rules.md §8) */
  configurationSet: string;
  /** message tags, so SES events map back without reading addresses */
  suppressionKey: string;
  campaignId: string;
}

/** The SESv2 request for one message (one recipient per message: the tags name one contact). */
export function sendEmailInput(email: EmailToSend): SendEmailCommandInput {
  return {
    FromEmailAddress: email.from,
    Destination: { ToAddresses: [email.to] },
    Content: {
      Simple: {
        Subject: { Data: email.subject, Charset: 'UTF-8' },
        Body: {
          Text: { Data: email.text, Charset: 'UTF-8' },
          ...(email.html !== undefined ? { Html: { Data: email.html, Charset: 'UTF-8' } } : {}),
        },
        // rules.md §7 [RFC 8058; 25, 26]: one-click unsubscribe, required by Gmail and Yahoo for bulk senders
        Headers: [
          { Name: 'List-Unsubscribe', Value: `<${email.unsubscribeUrl}>` },
          { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
        ],
      },
    },
    ConfigurationSetName: email.configurationSet,
    // rules.md §8: events carry the suppression key (`contactId`) and the campaign, not the address
    EmailTags: [
      { Name: 'contactId', Value: email.suppressionKey },
      { Name: 'campaignId', Value: email.campaignId },
    ],
  };
}

/** Sends one email through SES; returns SES's message id. Errors are SES's own (see sending-rate.ts). */
export async function sendEmail(email: EmailToSend): Promise<{ messageId: string }> {
  const { SendEmailCommand } = await import('@aws-sdk/client-sesv2');
  const out = await (await sesClient()).send(new SendEmailCommand(sendEmailInput(email)));
  if (!out.MessageId) throw new Error('SES SendEmail answered without a MessageId');
  await recordLocalSend(out.MessageId, email);
  return { messageId: out.MessageId };
}

/** One message as the local stack records it beside the SES emulator's outbox. */
export interface LocalSend {
  messageId: string;
  to: string;
  campaignId: string;
  configurationSet: string;
}

/**
 * Locally only (`SES_SENDS_LOG`, set by the local stack): the configuration set of each
 * message, which the SES emulator drops (design.md §5: `GET /local/sends`). A JSON line each.
 */
async function recordLocalSend(messageId: string, email: EmailToSend): Promise<void> {
  const file = process.env.SES_SENDS_LOG;
  if (!file) return;
  const { appendFile } = await import('node:fs/promises');
  const entry: LocalSend = {
    messageId,
    to: email.to,
    campaignId: email.campaignId,
    configurationSet: email.configurationSet,
  };
  await appendFile(file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
}

/** The local record of sends (`SES_SENDS_LOG`), oldest first; empty when there is none. */
export async function readLocalSends(file = process.env.SES_SENDS_LOG): Promise<LocalSend[]> {
  if (!file) return [];
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LocalSend);
}
