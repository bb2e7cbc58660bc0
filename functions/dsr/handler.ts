/**
 * Data-subject requests for operators (rules.md §9): invoked with IAM credentials only,
 * `{ action: 'export' | 'erase', address }`. Export returns the JSON document; erase
 * returns the suppression keys kept and the receipts. Logs keys, never the address.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import type { DsrExport } from '#domain/dsr';
import { parseWith } from '#schemas/parse';
import { type ErasureOutcome, eraseSubject, exportSubject } from '#shared/flows/dsr';
import { keyTag, logger } from '#shared/powertools';

export const dsrRequestSchema = z.object({
  action: z.enum(['export', 'erase']),
  address: z.string().trim().min(3).max(320),
});

export async function handleDsrRequest(event: unknown): Promise<DsrExport | ErasureOutcome> {
  const request = parseWith(dsrRequestSchema, event, 'dsr request');
  if (!request.ok) throw new Error(request.error);
  const { action, address } = request.value;
  if (action === 'export') {
    const { document, receipt } = await exportSubject(address, new Date());
    logger.info('dsr export given', { key: keyTag(receipt.subject), receipt: `${receipt.chain}#${receipt.seq}` });
    return document;
  }
  const outcome = await eraseSubject(address, new Date());
  logger.info('dsr erasure done', {
    keys: outcome.suppressionKeys.map(keyTag),
    contactsDeleted: outcome.contactsDeleted,
    receipts: outcome.receipts.map((r) => `${r.chain}#${r.seq}`),
  });
  return outcome;
}

export const handler = middy(handleDsrRequest).use(injectLambdaContext(logger, { logEvent: false }));
