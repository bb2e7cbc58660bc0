/**
 * The unsubscribe endpoint (Lambda Function URL, payload v2): `GET /u/<token>` shows the
 * confirmation page, `POST /u/<token>` records the opposition (rules.md §7, RFC 8058).
 * The HTTP logic lives in #shared/unsubscribe-http, shared with the local stack.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { tokenKeyId } from '#domain/unsubscribe-token';
import { recordObjection, recordTrackingWithdrawal, recordUnsubscribe } from '#shared/flows/oppositions';
import { keyTag, logger } from '#shared/powertools';
import { settingsFromEnv } from '#shared/settings';
import { serveUnsubscribe, tokenFromPath } from '#shared/unsubscribe-http';
import { loadSecrets, secretsWithTokenKey } from '#store/secrets';
import { getSuppression } from '#store/suppressions';

/** the longest request body decoded (base64 included): 16 KB */
export const MAX_BODY_CHARS = 16 * 1024;

export async function serveFunctionUrl(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  // a token signed with a key this container has not read yet (a rotation): read the secret again
  const token = tokenFromPath(event.rawPath);
  const keyId = token ? tokenKeyId(token) : undefined;
  const { tokenKeys, suppressionKeySecret } = keyId ? await secretsWithTokenKey(keyId) : await loadSecrets();
  const settings = settingsFromEnv();
  const now = new Date();
  // a one-click body is ≈ 30 bytes, a multipart one a few hundred: anything past this is
  // refused before it is decoded (the endpoint is public)
  if ((event.body?.length ?? 0) > MAX_BODY_CHARS) {
    logger.info('unsubscribe request refused', { status: 413 });
    return {
      statusCode: 413,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: 'Requête trop volumineuse.',
    };
  }
  const body = event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  const response = await serveUnsubscribe(
    {
      method: event.requestContext.http.method,
      path: event.rawPath,
      contentType: event.headers?.['content-type'] ?? event.headers?.['Content-Type'],
      body,
    },
    {
      tokenKeys,
      now,
      advertiser: {
        name: settings.advertiser,
        ...(settings.privacyNoticeUrl ? { privacyNoticeUrl: settings.privacyNoticeUrl } : {}),
      },
      record: async (token, source) => {
        const { created } = await recordUnsubscribe(token, source, now);
        logger.info('unsubscribe recorded', {
          key: keyTag(token.suppressionKey),
          campaignId: token.campaignId,
          source,
          created,
        });
        return { created };
      },
      alreadyOpposed: async (token) => (await getSuppression(token.suppressionKey))?.reason === 'OPPOSED',
      objectAddress: async (address) => {
        const { recorded, suppressionKey } = await recordObjection(address, now, suppressionKeySecret);
        if (suppressionKey)
          logger.info('objection recorded', { key: keyTag(suppressionKey), source: 'objection-form' });
        return recorded;
      },
      withdrawTracking: async (token) => {
        const { changed } = await recordTrackingWithdrawal(token, now, settings);
        logger.info('tracking consent withdrawn', {
          key: keyTag(token.suppressionKey),
          campaignId: token.campaignId,
          changed,
        });
      },
    },
  );
  // the path holds the token only; never log the body or the headers (IP, user agent)
  if (response.status >= 400) logger.info('unsubscribe request refused', { status: response.status });
  return { statusCode: response.status, headers: response.headers, body: response.body };
}

export const handler = middy(serveFunctionUrl).use(injectLambdaContext(logger, { logEvent: false }));
