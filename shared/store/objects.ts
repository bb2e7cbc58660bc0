/**
 * The bucket (shared/resources.ts `bucketDefinition`): object keys of lists, reports and
 * campaigns, and streaming reads/writes.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { bucketDefinition } from '#shared/resources';
import { s3Client } from './client-s3.ts';

export function bucketName(): string {
  const name = process.env[bucketDefinition.envVar];
  if (!name) throw new Error(`${bucketDefinition.envVar} is not set`);
  return name;
}

export const objectKeys = {
  manifest: (listId: string) => `${bucketDefinition.prefixes.incoming}${listId}/manifest.json`,
  dataFile: (listId: string, dataFile: string) => `${bucketDefinition.prefixes.incoming}${listId}/${dataFile}`,
  report: (listId: string) => `${bucketDefinition.prefixes.reports}${listId}/report.json`,
  /** the same report as a page a person opens (issue 22) */
  reportHtml: (listId: string) => `${bucketDefinition.prefixes.reports}${listId}/report.html`,
  rejected: (listId: string) => `${bucketDefinition.prefixes.reports}${listId}/rejected.csv`,
  campaignReport: (campaignId: string) => `${bucketDefinition.prefixes.reports}campaigns/${campaignId}.json`,
  campaignReportHtml: (campaignId: string) => `${bucketDefinition.prefixes.reports}campaigns/${campaignId}.html`,
  /** a phone campaign's call sheet (design.md §3.5) */
  callSheet: (campaignId: string, kind: 'json' | 'csv') =>
    `${bucketDefinition.prefixes.reports}calls/${campaignId}.${kind}`,
  /** what recording a campaign's outcomes file did, line by line */
  callOutcomesReport: (campaignId: string) => `${bucketDefinition.prefixes.reports}calls/${campaignId}.outcomes.json`,
  callOutcomes: (campaignId: string) => `${bucketDefinition.prefixes.outcomes}${campaignId}.csv`,
  /** an ingestion run's working objects (its plan, its ranges' partial reports): gone once the report is whole */
  runParts: (listId: string, run: string) => `${bucketDefinition.prefixes.reports}${listId}/parts/${run}/`,
  plan: (listId: string, run: string) => `${objectKeys.runParts(listId, run)}plan.json`,
  /** a range's decisions (`json`), rejected rows (`csv`) and counts (`summary.json`) */
  rangePart: (listId: string, run: string, range: number, kind: 'json' | 'csv' | 'summary.json') =>
    `${objectKeys.runParts(listId, run)}range-${String(range).padStart(5, '0')}.${kind}`,
};

/** The list and the run an ingestion plan's key names (the inverse of `objectKeys.plan`). */
export function parsePlanKey(key: string): { listId: string; run: string } | undefined {
  const prefix = bucketDefinition.prefixes.reports;
  const match = /^([^/]+)\/parts\/([^/]+)\/plan\.json$/.exec(key.startsWith(prefix) ? key.slice(prefix.length) : '');
  return match ? { listId: match[1] as string, run: match[2] as string } : undefined;
}

/** The folder of an `incoming/<listId>/manifest.json` key, and the list id it names. */
export function parseManifestKey(key: string): { folder: string; listId: string } | undefined {
  const { prefix, suffix } = bucketDefinition.ingestTrigger;
  if (!key.startsWith(prefix) || !key.endsWith(suffix)) return undefined;
  const folder = key.slice(0, key.length - suffix.length);
  const listId = folder.slice(prefix.length).replace(/\/$/, '');
  if (!listId || listId.includes('/')) return undefined;
  return { folder, listId };
}

export class ObjectMissing extends Error {
  override readonly name = 'ObjectMissing';
}

/**
 * Streams an object's bytes, or those of `range` (`start` included, `end` excluded: one
 * worker's part of a list); ObjectMissing when there is none.
 */
export async function objectStream(key: string, range?: { start: number; end: number }): Promise<Readable> {
  return (await openObject(key, range)).body;
}

/** An object's bytes as a stream, and its size (as soon as S3 answers); ObjectMissing when there is none. */
export async function openObject(
  key: string,
  range?: { start: number; end: number },
): Promise<{ body: Readable; bytes: number }> {
  try {
    const out = await s3Client().send(
      new GetObjectCommand({
        Bucket: bucketName(),
        Key: key,
        ...(range ? { Range: `bytes=${range.start}-${range.end - 1}` } : {}),
      }),
    );
    return { body: out.Body as Readable, bytes: out.ContentLength ?? 0 };
  } catch (error) {
    if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') {
      throw new ObjectMissing(`no object at ${key}`);
    }
    throw error;
  }
}

export async function objectBytes(key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await objectStream(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Hashes an object: its size as soon as S3 answers (ObjectMissing when there is none),
 * and the SHA-256 (hex) of its bytes once they are all read, streamed.
 */
export async function objectSha256(key: string): Promise<{ bytes: number; sha256: Promise<string> }> {
  const { body, bytes } = await openObject(key);
  const sha256 = (async () => {
    const hash = createHash('sha256');
    for await (const chunk of body) hash.update(chunk as Buffer);
    return hash.digest('hex');
  })();
  // awaited by the caller; a caller that fails first must not leave it unobserved
  sha256.catch(() => {});
  return { bytes, sha256 };
}

export async function objectExists(key: string): Promise<boolean> {
  try {
    await s3Client().send(new HeadObjectCommand({ Bucket: bucketName(), Key: key }));
    return true;
  } catch (error) {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}

export async function putObject(key: string, body: string | Buffer, contentType: string): Promise<void> {
  await s3Client().send(new PutObjectCommand({ Bucket: bucketName(), Key: key, Body: body, ContentType: contentType }));
}

/** The objects under `prefix` (key and size), in key order. */
export async function listObjects(prefix: string): Promise<{ key: string; bytes: number }[]> {
  const found: { key: string; bytes: number }[] = [];
  let token: string | undefined;
  do {
    const out = await s3Client().send(
      new ListObjectsV2Command({ Bucket: bucketName(), Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of out.Contents ?? []) if (o.Key) found.push({ key: o.Key, bytes: o.Size ?? 0 });
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
  return found;
}

/** Deletes objects, 1,000 per request; fails if S3 reports one it could not delete. */
export async function deleteObjects(keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1_000) {
    const out = await s3Client().send(
      new DeleteObjectsCommand({
        Bucket: bucketName(),
        Delete: { Objects: keys.slice(i, i + 1_000).map((Key) => ({ Key })), Quiet: true },
      }),
    );
    if (out.Errors?.length) throw new Error(`objects not deleted: ${out.Errors.map((e) => e.Key).join(', ')}`);
  }
}
