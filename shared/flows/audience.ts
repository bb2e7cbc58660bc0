/**
 * A campaign's audience, read from the store page by page: the members of the lists it
 * names (a Query each, their contacts in BatchGetItem requests of 100), else every
 * contact. Shared by the sender (shared/flows/send-campaign.ts) and the call sheet
 * (shared/flows/call-sheet.ts).
 */
import type { Campaign } from '#schemas/campaign';
import { allContacts, type ContactItem, getContacts } from '#store/contacts';
import { chunk } from '#store/dynamo-batch';
import { listMemberPages } from '#store/list-members';

export interface AudiencePage {
  contacts: ContactItem[];
  /** suppression key → the line of the list that brought it (audiences read by list only) */
  lines: Map<string, number>;
}

/**
 * The contacts of the audience, page by page, each once: the members of the lists named
 * (whichever list brought a contact last), else every contact.
 */
export async function* audiencePages(campaign: Pick<Campaign, 'audience'>): AsyncGenerator<AudiencePage> {
  const named = campaign.audience?.lists;
  if (named === undefined) {
    for await (const contacts of allContacts()) yield { contacts, lines: new Map() };
    return;
  }
  const seen = new Set<string>();
  for (const listId of new Set(named)) {
    for await (const members of listMemberPages(listId)) {
      const fresh = members.filter((m) => !seen.has(m.suppressionKey));
      for (const m of fresh) seen.add(m.suppressionKey);
      for (const part of chunk(fresh, 100)) {
        const found = await getContacts(part.map((m) => m.suppressionKey));
        // still of this list (a member whose contact was erased, then brought back by another list only, is not)
        const contacts = [...found.values()].filter((c) => c.listIds.includes(listId));
        const lines = new Map<string, number>();
        for (const m of part) if (m.line !== undefined) lines.set(m.suppressionKey, m.line);
        if (contacts.length) yield { contacts, lines };
      }
    }
  }
}

/** Pages read ahead by one: the next page is on its way while this one is judged. */
export async function* readAhead<T>(pages: AsyncGenerator<T>): AsyncGenerator<T> {
  let next = pages.next();
  for (;;) {
    const current = await next;
    if (current.done) return;
    next = pages.next();
    yield current.value;
  }
}
