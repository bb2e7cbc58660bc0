/**
 * A campaign's audience, read from the store page by page: the members of the lists it
 * names (a Query each, their contacts in BatchGetItem requests of 100), else every
 * contact. Shared by the sender (shared/flows/send-campaign.ts) and the call sheet
 * (shared/flows/call-sheet.ts).
 */
import type { Contact } from '#domain/contact';
import { type SuppressionReason, strongestSuppression } from '#domain/reasons';
import type { Campaign } from '#schemas/campaign';
import { allContacts, type ContactItem, getContacts } from '#store/contacts';
import { chunk } from '#store/dynamo-batch';
import { listMemberPages } from '#store/list-members';
import { lookupSuppressions } from '#store/suppressions';

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

/** What the opposition store holds for a page of contacts, over all their keys (email and phone). */
export interface PageSuppressions {
  /** the strongest entry over the contact's keys (rules.md §0.3: any key counts) */
  of(contact: Pick<Contact, 'suppressionKey' | 'phoneKey'>): SuppressionReason | undefined;
  keysLookedUp: number;
  found: number;
}

/** The oppositions of a page's contacts, in BatchGetItem requests of 100 keys: no read per contact. */
export async function pageSuppressions(
  contacts: readonly Pick<Contact, 'suppressionKey' | 'phoneKey'>[],
): Promise<PageSuppressions> {
  const keys = [
    ...new Set(contacts.flatMap((c) => (c.phoneKey ? [c.suppressionKey, c.phoneKey] : [c.suppressionKey]))),
  ];
  const found = await lookupSuppressions(keys);
  return {
    of: (contact) =>
      strongestSuppression(
        [contact.suppressionKey, contact.phoneKey].map((k) => (k ? found.get(k)?.reason : undefined)),
      ),
    keysLookedUp: keys.length,
    found: found.size,
  };
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
