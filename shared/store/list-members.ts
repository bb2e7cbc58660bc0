/**
 * The list-members table (shared/resources.ts `listMembersTable`): which contacts each
 * list brought, one item per list and suppression key. Its keys and marshalling live here.
 */
import { QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { listMembersTable } from '#shared/resources';
import { documentClient } from './clients.ts';
import { batchDelete, batchPut } from './dynamo-batch.ts';

export function listMembersTableName(): string {
  const name = process.env[listMembersTable.envVar];
  if (!name) throw new Error(`${listMembersTable.envVar} is not set`);
  return name;
}

/** A contact a list brought, and the line of the list it came from (a call sheet names it, design.md §3.5). */
export interface ListMember {
  suppressionKey: string;
  line?: number;
}

/** Records that `listId` brought these contacts (idempotent: the same item again changes nothing). */
export async function addListMembers(listId: string, members: readonly ListMember[]): Promise<void> {
  if (!members.length) return;
  await batchPut(
    listMembersTableName(),
    members.map(({ suppressionKey, line }) => ({ listId, suppressionKey, ...(line !== undefined ? { line } : {}) })),
  );
}

/** Forgets a contact's memberships (its contact is deleted): no key stays behind its person. */
export async function removeListMembers(suppressionKey: string, listIds: readonly string[]): Promise<void> {
  if (!listIds.length) return;
  await batchDelete(
    listMembersTableName(),
    [...new Set(listIds)].map((listId) => ({ listId, suppressionKey })),
  );
}

/** The contacts a list brought, page by page (a Query: the cost follows the list). */
export async function* listMemberPages(listId: string): AsyncGenerator<ListMember[]> {
  let ExclusiveStartKey: QueryCommandOutput['LastEvaluatedKey'];
  do {
    const out: QueryCommandOutput = await documentClient().send(
      new QueryCommand({
        TableName: listMembersTableName(),
        KeyConditionExpression: 'listId = :l',
        ExpressionAttributeValues: { ':l': listId },
        ProjectionExpression: 'suppressionKey, #line',
        ExpressionAttributeNames: { '#line': 'line' },
        ExclusiveStartKey,
      }),
    );
    yield (out.Items ?? []).map((item) =>
      typeof item.line === 'number'
        ? { suppressionKey: item.suppressionKey as string, line: item.line }
        : { suppressionKey: item.suppressionKey as string },
    );
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}
