/**
 * The calls' outcomes of a phone campaign coming back (rules.md §6b, design.md §3.5):
 * `outcomes/<campaignId>.csv` in the bucket, or `hygiene calls record <campaignId>.csv`.
 * The whole file is read and checked first: a file with a malformed line gets a
 * line-accurate report and nothing of it is applied. Then every refusal is recorded as an
 * opposition for that number, with its ledger entry, before anything else; then each
 * call joins its contact's call count (the cap), and a callback restarts its clock.
 * Recording the same file again changes nothing twice.
 */
import {
  type CallOutcome,
  type CallOutcomeKind,
  contactAfterCall,
  type OutcomeError,
  outcomeColumns,
  parseOutcome,
  refusalsOf,
} from '#domain/calls';
import type { Contact } from '#domain/contact';
import { suppressionKey } from '#domain/keys';
import type { Settings } from '#schemas/settings';
import { ListDecoder } from '#shared/csv/decode';
import { RecordScanner } from '#shared/csv/scan';
import { getContacts, updateContact } from '#store/contacts';
import { contactKeysWithPhoneKey } from '#store/dsr-reads';
import { inParallel } from '#store/dynamo-batch';
import { objectKeys, putObject } from '#store/objects';
import { recordSuppression } from './oppositions.ts';

/** `reports/calls/<campaignId>.outcomes.json`: what recording the file did (no number, no name). */
export interface OutcomesReport {
  campaignId: string;
  status: 'recorded' | 'rejected';
  recordedAt: string;
  /** the malformed lines (a file with any is not applied) */
  errors: OutcomeError[];
  counts: {
    lines: number;
    byOutcome: Partial<Record<CallOutcomeKind, number>>;
    /** refusals recorded as oppositions (a number refused twice counts once) */
    oppositions: number;
    /** contacts whose call count or clock changed */
    contactsUpdated: number;
    /** outcomes whose number no stored contact has (a refusal is recorded all the same) */
    unknownNumbers: number;
  };
}

const CAMPAIGN_ID = /^[a-z0-9-]{3,64}$/;

/** The campaign an outcomes file names: `<campaignId>.csv`, anywhere (a path, an S3 key); undefined if it names none. */
export function campaignIdOfOutcomes(fileName: string): string | undefined {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const id = base.replace(/\.csv$/i, '');
  return base.toLowerCase().endsWith('.csv') && CAMPAIGN_ID.test(id) ? id : undefined;
}

/** The file's records, header first: decoded (UTF-8, Windows-1252, UTF-16 with a BOM), delimiter from the header. */
function readRecords(bytes: Uint8Array): { line: number; cells: string[]; malformed?: string }[] {
  const decoder = new ListDecoder();
  const text = decoder.write(bytes) + decoder.end();
  const firstLine = text.slice(0, Math.max(0, text.search(/\r?\n|$/)));
  const delimiter = [';', ',', '\t'].reduce((best, d) =>
    firstLine.split(d).length > firstLine.split(best).length ? d : best,
  );
  const scanner = new RecordScanner(delimiter, {
    record: (line, cells) => ({ line, cells }),
    malformed: (line, cells, detail) => ({ line, cells, malformed: detail }),
  });
  const out: { line: number; cells: string[]; malformed?: string }[] = [];
  scanner.scan(text, 0, true, out);
  return out;
}

/**
 * Checks an outcomes file: the outcomes, or every malformed line. Pure but for the
 * decoding: `now` bounds `called_at`.
 */
export function readOutcomes(bytes: Uint8Array, now: Date): { outcomes: CallOutcome[]; errors: OutcomeError[] } {
  const records = readRecords(bytes);
  const header = records.shift();
  if (!header)
    return { outcomes: [], errors: [{ line: 1, error: 'fichier vide : en-tête attendu called_at, number, outcome' }] };
  const columns = outcomeColumns(header.cells);
  if (!columns.ok)
    return {
      outcomes: [],
      errors: [{ line: header.line, error: `colonnes manquantes : ${columns.missing.join(', ')}` }],
    };
  const outcomes: CallOutcome[] = [];
  const errors: OutcomeError[] = [];
  for (const record of records) {
    if (record.malformed) {
      errors.push({ line: record.line, error: `ligne illisible (${record.malformed})` });
      continue;
    }
    const parsed = parseOutcome(record.line, record.cells, columns.at, now);
    if ('error' in parsed) errors.push(parsed);
    else outcomes.push(parsed);
  }
  return { outcomes, errors };
}

/** Records a campaign's outcomes file; writes and returns its report. */
export async function recordCallOutcomes(
  campaignId: string,
  bytes: Uint8Array,
  ctx: { now: Date; settings: Settings; suppressionKeySecret: string },
): Promise<OutcomesReport> {
  const { now, settings } = ctx;
  const { outcomes, errors } = readOutcomes(bytes, now);
  const report: OutcomesReport = {
    campaignId,
    status: errors.length > 0 ? 'rejected' : 'recorded',
    recordedAt: now.toISOString(),
    errors,
    counts: {
      lines: outcomes.length + errors.length,
      byOutcome: {},
      oppositions: 0,
      contactsUpdated: 0,
      unknownNumbers: 0,
    },
  };
  if (errors.length === 0) {
    const keyOf = new Map(outcomes.map((o) => [o.number, suppressionKey(o.number, ctx.suppressionKeySecret)]));
    for (const o of outcomes) report.counts.byOutcome[o.outcome] = (report.counts.byOutcome[o.outcome] ?? 0) + 1;
    const refusals = refusalsOf(outcomes);
    await inParallel([...refusals], 4, ([number, at]) =>
      recordSuppression({
        suppressionKey: keyOf.get(number) as string,
        reason: 'OPPOSED',
        source: 'call-refused',
        channel: 'phone',
        at,
        campaignId,
      }),
    );
    report.counts.oppositions = refusals.size;

    // the contacts each number reaches: the one keyed by the number, those keyed by an email that have it
    const numberKeys = [...new Set(keyOf.values())];
    const keyed = await getContacts(numberKeys);
    const contactsOf = new Map<string, string[]>();
    await inParallel(numberKeys, 4, async (key) => {
      contactsOf.set(key, [...(keyed.has(key) ? [key] : []), ...(await contactKeysWithPhoneKey(key))]);
    });
    const byContact = new Map<string, CallOutcome[]>();
    for (const o of outcomes) {
      const reached = contactsOf.get(keyOf.get(o.number) as string) ?? [];
      if (reached.length === 0) report.counts.unknownNumbers++;
      for (const contactKey of reached) byContact.set(contactKey, [...(byContact.get(contactKey) ?? []), o]);
    }
    await inParallel([...byContact], 4, async ([contactKey, calls]) => {
      const written = await updateContact(
        contactKey,
        (stored) => {
          let contact: Contact | undefined;
          for (const call of calls) contact = contactAfterCall(contact ?? stored, call, now, settings) ?? contact;
          return contact;
        },
        settings,
      );
      if (written) report.counts.contactsUpdated++;
    });
  }
  await putObject(objectKeys.callOutcomesReport(campaignId), JSON.stringify(report), 'application/json');
  return report;
}
