/**
 * The bucket (shared/resources.ts `bucketDefinition`): object keys of lists, reports and
 * campaigns, and streaming reads/writes.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, NoSuchKey, PutObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { bucketDefinition } from '#shared/resources';
import { s3Client } from './clients.ts';

export function bucketName(): string {
  const name = process.env[bucketDefinition.envVar];
  if (!name) throw new Error(`${bucketDefinition.envVar} is not set`);
  return name;
}

export const objectKeys = {
  manifest: (listId: string) => `${bucketDefinition.prefixes.incoming}${listId}/manifest.json`,
  dataFile: (listId: string, dataFile: string) => `${bucketDefinition.prefixes.incoming}${listId}/${dataFile}`,
  report: (listId: string) => `${bucketDefinition.prefixes.reports}${listId}/report.json`,
  rejected: (listId: string) => `${bucketDefinition.prefixes.reports}${listId}/rejected.csv`,
  campaignReport: (campaignId: string) => `${bucketDefinition.prefixes.reports}campaigns/${campaignId}.json`,
};

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

/** Streams an object's bytes; ObjectMissing when there is none. */
export async function objectStream(key: string): Promise<Readable> {
  try {
    const out = await s3Client().send(new GetObjectCommand({ Bucket: bucketName(), Key: key }));
    return out.Body as Readable;
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

/** SHA-256 (hex) of an object's bytes, streamed. */
export async function objectSha256(key: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of await objectStream(key)) hash.update(chunk as Buffer);
  return hash.digest('hex');
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

/** Uploads a stream (multipart past 5 MB) — big lists and reports never sit whole in memory. */
export async function uploadStream(
  key: string,
  body: Readable | Buffer,
  contentType: string,
  onProgress?: (loaded: number) => void,
): Promise<void> {
  const upload = new Upload({
    client: s3Client(),
    params: { Bucket: bucketName(), Key: key, Body: body, ContentType: contentType },
    queueSize: 4,
    partSize: 8 * 1024 * 1024,
  });
  if (onProgress) upload.on('httpUploadProgress', (p) => onProgress(p.loaded ?? 0));
  await upload.done();
}
