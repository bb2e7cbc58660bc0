/**
 * The ledger's digests (rules.md §8: « non bidouillable »): every chain's head written to
 * the digest bucket (Object Lock in AWS), and the verifier that recomputes every chain
 * against them. Apart from ledger.ts so that the functions that only append evidence do
 * not load the S3 client.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  buildDigest,
  type ChainHead,
  ChainVerifier,
  digestCheckpoints,
  digestIntact,
  digestKey,
  type LedgerDigest,
  type LedgerProblem,
  ledgerChains,
} from '#domain/ledger';
import { bucketDefinition } from '#shared/resources';
import { s3Client } from './client-s3.ts';
import { inParallel } from './dynamo-batch.ts';
import { readChain, readHead } from './ledger.ts';

/** The digest bucket: its own Object Lock bucket in AWS, the lists bucket locally. */
function digestBucketName(): string {
  const name = process.env[bucketDefinition.digestBucketEnvVar] || process.env[bucketDefinition.envVar];
  if (!name) throw new Error(`${bucketDefinition.digestBucketEnvVar} (or ${bucketDefinition.envVar}) is not set`);
  return name;
}

/**
 * Writes the digest of every chain's head (rules.md §8: « non bidouillable »). In AWS
 * the digest bucket (DIGEST_BUCKET_NAME) has Object Lock in compliance mode by default
 * retention; locally the digests sit under the same prefix of the one bucket.
 */
export async function writeDigest(now: Date): Promise<{ key: string; heads: Record<string, ChainHead> }> {
  const heads: Record<string, ChainHead> = {};
  await Promise.all(
    ledgerChains().map(async (chain) => {
      const head = await readHead(chain);
      heads[chain] = { seq: head.seq, hash: head.hash };
    }),
  );
  const sorted = Object.fromEntries(Object.entries(heads).sort(([a], [b]) => a.localeCompare(b)));
  const digest = buildDigest(now, sorted);
  const key = digestKey(bucketDefinition.prefixes.ledgerDigests, now);
  const body = `${JSON.stringify(digest, null, 2)}\n`;
  await s3Client().send(
    new PutObjectCommand({
      Bucket: digestBucketName(),
      Key: key,
      Body: body,
      ContentType: 'application/json',
      // S3 wants an integrity checksum on a put into an Object Lock bucket.
      ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
    }),
  );
  return { key, heads: sorted };
}

/** Every digest ever written, oldest first; a corrupt one is named. */
async function readDigests(): Promise<{ digests: LedgerDigest[]; corrupt?: string }> {
  const keys: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const out = await s3Client().send(
      new ListObjectsV2Command({
        Bucket: digestBucketName(),
        Prefix: bucketDefinition.prefixes.ledgerDigests,
        ContinuationToken,
      }),
    );
    for (const object of out.Contents ?? []) if (object.Key?.endsWith('.json')) keys.push(object.Key);
    ContinuationToken = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (ContinuationToken);
  keys.sort();
  const read = await inParallel(keys, 8, async (key) => {
    const out = await s3Client().send(new GetObjectCommand({ Bucket: digestBucketName(), Key: key }));
    try {
      const digest = JSON.parse((await out.Body?.transformToString('utf-8')) ?? '') as LedgerDigest;
      return digestIntact(digest) && digest.heads && typeof digest.heads === 'object' ? { key, digest } : { key };
    } catch {
      return { key };
    }
  });
  const corrupt = read.find((r) => !('digest' in r));
  if (corrupt) return { digests: [], corrupt: corrupt.key };
  return { digests: read.map((r) => (r as { digest: LedgerDigest }).digest) };
}

export type LedgerVerdict =
  | { ok: true; entries: number; chains: number }
  | { ok: false; chain: string; seq: number; problem: LedgerProblem; digest?: string };

/**
 * Recomputes every chain (hashes and links) and checks it against every digest and its
 * head pointer; names the first broken entry (first chain in order, lowest seq).
 * Reads digests, then heads, then entries up to each head: entries appended meanwhile are
 * left for the next run rather than taken for a mismatch.
 */
export async function verifyLedger(
  onProgress?: (done: { chains: number; of: number; entries: number }) => void,
): Promise<LedgerVerdict> {
  const { digests, corrupt } = await readDigests();
  if (corrupt) return { ok: false, chain: '-', seq: 0, problem: 'digest-corrupt', digest: corrupt };
  const checkpoints = digestCheckpoints(digests);
  const chains = [...new Set([...ledgerChains(), ...checkpoints.keys()])];
  let chainsDone = 0;
  let entriesRead = 0;
  const verdicts = await inParallel(chains, 4, async (chain) => {
    const head = await readHead(chain);
    const verifier = new ChainVerifier(chain, checkpoints.get(chain));
    const locked = Math.max(0, ...(checkpoints.get(chain)?.keys() ?? []));
    // A missing head pointer with entries behind it: read them all, the verifier names it.
    for await (const entry of readChain(chain, head.exists ? Math.max(head.seq, locked) : undefined)) {
      entriesRead++;
      if (verifier.push(entry)) break;
      if (entriesRead % 1000 === 0) onProgress?.({ chains: chainsDone, of: chains.length, entries: entriesRead });
    }
    chainsDone++;
    onProgress?.({ chains: chainsDone, of: chains.length, entries: entriesRead });
    return verifier.finish(head.exists ? head : null);
  });
  let entries = 0;
  for (const verdict of verdicts) {
    if (!verdict.ok) return verdict;
    entries += verdict.count;
  }
  return { ok: true, entries, chains: chains.length };
}
