/**
 * Objects written as streams (multipart uploads through lib-storage): big lists and
 * reports never sit whole in memory. Apart from objects.ts so that the functions that
 * only get and put small objects do not load lib-storage.
 */
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { Upload } from '@aws-sdk/lib-storage';
import { s3Client } from './client-s3.ts';
import { bucketName } from './objects.ts';

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

/** An object written piece by piece (see `objectWriter`). */
export interface ObjectWriter {
  /** appends text (or bytes: a part copied as it is); resolves when the pipe can take more (back-pressure) */
  write(text: string | Uint8Array): Promise<void>;
  /** completes the object: it appears whole, or not at all */
  end(): Promise<void>;
  /** gives up: no object (a half-written report must not be taken for a whole one) */
  abort(): Promise<void>;
}

/**
 * Streams an object to S3 as it is produced (multipart in 5 MB parts, one in flight):
 * a report of a million rows never sits whole in memory.
 */
export function objectWriter(key: string, contentType: string): ObjectWriter {
  const body = new PassThrough();
  const upload = new Upload({
    client: s3Client(),
    params: { Bucket: bucketName(), Key: key, Body: body, ContentType: contentType },
    queueSize: 1,
    partSize: 5 * 1024 * 1024,
  });
  const done = upload.done();
  // a failure is reported by end() or the next write(), not as an unhandled rejection
  let failure: unknown;
  done.catch((error: unknown) => {
    failure ??= error;
  });
  return {
    async write(text) {
      if (failure) throw failure;
      if (!body.write(text)) await Promise.race([once(body, 'drain'), done]);
    },
    async end() {
      body.end();
      await done;
    },
    async abort() {
      await upload.abort().catch(() => undefined);
      body.destroy();
    },
  };
}
