/**
 * The contacts table's stream, polled as Lambda's event source mapping does in AWS: every
 * shard read from the latest record on, batches handed to the ttl-receipts handler.
 * Shards close and new ones appear (re-described on each round); an iterator that expired
 * or points into trimmed data is renewed from the last sequence number read (or from the
 * trim horizon), so no record is skipped or read twice.
 */

import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '#shared/powertools';
import { dynamoStreamsClient } from '#store/client-dynamo-streams';
import { dynamoClient } from '#store/clients';
import { pollEvery } from './poll.ts';

interface ShardState {
  iterator?: string;
  lastSequence?: string;
  closed: boolean;
  retries?: number;
}

/** Deliveries of a failing batch before its records are dropped (the DLQ of the AWS wiring). */
const MAX_RETRIES = 3;

/** The SDK gives Dates where Lambda's stream events carry epoch seconds. */
function asLambdaRecord(record: _Record): DynamoDBRecord {
  const at = record.dynamodb?.ApproximateCreationDateTime;
  return {
    ...record,
    dynamodb: {
      ...record.dynamodb,
      ...(at instanceof Date ? { ApproximateCreationDateTime: Math.floor(at.getTime() / 1000) } : {}),
    },
  } as unknown as DynamoDBRecord;
}

export function startStreamPoller(
  tableName: string,
  deliver: (event: DynamoDBStreamEvent) => Promise<unknown>,
  intervalMs = 1000,
): { stop: () => void; poll: () => Promise<void> } {
  const shards = new Map<string, ShardState>();
  let streamArn: string | undefined;
  let first = true;
  const streams = dynamoStreamsClient();

  const iteratorFor = async (shardId: string, state: ShardState, fromStart: boolean): Promise<string | undefined> => {
    const out = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(state.lastSequence
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: state.lastSequence }
          : { ShardIteratorType: fromStart ? 'TRIM_HORIZON' : 'LATEST' }),
      }),
    );
    return out.ShardIterator;
  };

  const poll = async () => {
    try {
      streamArn ??= (await dynamoClient().send(new DescribeTableCommand({ TableName: tableName }))).Table
        ?.LatestStreamArn;
      if (!streamArn) return;
      const description = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
      for (const shard of description.StreamDescription?.Shards ?? []) {
        if (!shard.ShardId || shards.has(shard.ShardId)) continue;
        // shards that exist when we start are read from now on; new ones from their start
        const state: ShardState = { closed: false };
        state.iterator = await iteratorFor(shard.ShardId, state, !first);
        shards.set(shard.ShardId, state);
      }
      first = false;
      for (const [shardId, state] of shards) {
        if (state.closed || !state.iterator) continue;
        let records: _Record[] = [];
        try {
          const out = await streams.send(new GetRecordsCommand({ ShardIterator: state.iterator, Limit: 100 }));
          records = out.Records ?? [];
          state.iterator = out.NextShardIterator;
          if (!out.NextShardIterator) state.closed = true;
        } catch (error) {
          if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException) {
            if (error instanceof TrimmedDataAccessException) state.lastSequence = undefined;
            state.iterator = await iteratorFor(shardId, state, true);
            continue;
          }
          throw error;
        }
        if (!records.length) continue;
        const out = (await deliver({ Records: records.map(asLambdaRecord) })) as
          | { batchItemFailures?: { itemIdentifier: string }[] }
          | undefined;
        const failed = out?.batchItemFailures?.[0]?.itemIdentifier;
        if (failed) state.retries = (state.retries ?? 0) + 1;
        if (failed && (state.retries ?? 0) <= MAX_RETRIES) {
          // as the event source mapping does: read again from the first failed record
          const at = records.findIndex((r) => r.dynamodb?.SequenceNumber === failed);
          state.lastSequence = at > 0 ? records[at - 1]?.dynamodb?.SequenceNumber : state.lastSequence;
          state.iterator = await iteratorFor(shardId, state, true);
          continue;
        }
        if (failed) logger.error('contacts stream records dropped after retries', { sequenceNumber: failed });
        state.retries = 0;
        state.lastSequence = records.at(-1)?.dynamodb?.SequenceNumber ?? state.lastSequence;
      }
    } catch (error) {
      logger.warn('contacts stream poll failed', { error: (error as Error).name });
    }
  };
  return pollEvery(poll, intervalMs);
}
