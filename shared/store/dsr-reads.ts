/**
 * The one read data-subject requests need that the contacts store does not offer: the
 * contacts keyed by their email that carry a given phone key (rules.md §9: a request by
 * phone finds the same person). Through the sparse `byPhoneKey` index of the contacts table.
 */
import { QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './clients.ts';
import { contactsTableName } from './contacts.ts';

/** Suppression keys of the contacts whose phone key is `phoneKey` (eventually consistent). */
export async function contactKeysWithPhoneKey(phoneKey: string): Promise<string[]> {
  const keys: string[] = [];
  let ExclusiveStartKey: QueryCommandOutput['LastEvaluatedKey'];
  do {
    const out = await documentClient().send(
      new QueryCommand({
        TableName: contactsTableName(),
        IndexName: 'byPhoneKey',
        KeyConditionExpression: 'phoneKey = :phoneKey',
        ExpressionAttributeValues: { ':phoneKey': phoneKey },
        ExclusiveStartKey,
      }),
    );
    for (const item of out.Items ?? []) keys.push(String(item.suppressionKey));
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return keys;
}
