/** S3 (lists, reports, plans, digests). */
import { S3Client } from '@aws-sdk/client-s3';
import { onResetClients, sdkLogger } from './clients.ts';

let s3: S3Client | undefined;
onResetClients(() => {
  s3 = undefined;
});

export function s3Client(): S3Client {
  s3 ??= new S3Client({ logger: sdkLogger });
  return s3;
}
