/**
 * `hygiene dsr export <address> [--json]`: everything held about a person, as one JSON
 * document (GDPR 15) on stdout — the document to hand over, so `> export.json` keeps it
 * whole — and what it holds, in French, on stderr (not with --json). `hygiene dsr erase
 * <address> [--json]`: deletes their contact records and consent proofs, keeps an OPPOSED
 * suppression entry and leaves a receipt (GDPR 17, rules.md §9). Any case or Gmail variant
 * of the address finds the same person. Exit 0 done, 2 bad usage, an invalid address or
 * an unreachable store.
 */
import type { DsrExport } from '#domain/dsr';
import type { LedgerEntry } from '#domain/ledger';
import { DsrAddressInvalid, type ErasureOutcome, eraseSubject, exportSubject } from '#shared/flows/dsr';
import { frCount, frDateTime } from '#shared/french';
import { parseCommand } from './config.ts';
import { EXIT, UsageError } from './errors.ts';
import { useLocalStackDefaults } from './local-target.ts';

const USAGE = 'usage : hygiene dsr export|erase <adresse> [--json]';

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, {}, USAGE);
  const [action, address, ...extra] = positionals;
  if ((action !== 'export' && action !== 'erase') || !address || extra.length > 0) throw new UsageError(USAGE);
  useLocalStackDefaults();
  const json = values.json ?? false;
  try {
    if (action === 'export') {
      const { document, receipt } = await exportSubject(address, new Date());
      process.stdout.write(`${json ? JSON.stringify(document) : JSON.stringify(document, null, 2)}\n`);
      if (!json) process.stderr.write(`${exportSummary(document, receipt)}\n`);
      return EXIT.done;
    }
    const outcome = await eraseSubject(address, new Date());
    process.stdout.write(json ? `${JSON.stringify(outcome)}\n` : `${erasureSummary(outcome)}\n`);
    return EXIT.done;
  } catch (error) {
    // rules.md §0.4: the address is never repeated in a message
    if (error instanceof DsrAddressInvalid) throw new UsageError(ADDRESS_INVALID_FR);
    throw error;
  }
}

const ADDRESS_INVALID_FR =
  "ni une adresse e-mail ni un numéro de téléphone valide (l'adresse n'est pas répétée ici) — vérifiez-la et relancez";

const receiptOf = (entries: readonly LedgerEntry[]): string => entries.map((r) => `${r.chain}#${r.seq}`).join(', ');

/** « Effacement fait : 1 fiche contact supprimée ; 1 clé conservée comme opposition (OPPOSED) ; reçu c3#12 » */
export function erasureSummary(outcome: ErasureOutcome): string {
  return `Effacement fait (RGPD art. 17) : ${frCount(outcome.contactsDeleted, 'fiche contact supprimée', 'fiches contact supprimées')} ; ${frCount(outcome.suppressionKeys.length, 'clé conservée', 'clés conservées')} comme opposition (OPPOSED), pour ne plus jamais la solliciter ; reçu au registre ${receiptOf(outcome.receipts)}`;
}

/** What the export holds, for the operator (the document itself is on stdout). */
export function exportSummary(document: DsrExport, receipt: LedgerEntry): string {
  const held = [
    frCount(document.contacts.length, 'fiche contact', 'fiches contact'),
    frCount(document.consentProofs.length, 'preuve de consentement', 'preuves de consentement'),
    frCount(document.lists.length, 'liste', 'listes'),
    frCount(document.suppressions.length, 'opposition ou exclusion', 'oppositions ou exclusions'),
    frCount(document.ledger.length, 'entrée du registre', 'entrées du registre'),
  ];
  const erased = document.erasure
    ? ` Effacée le ${frDateTime(document.erasure.at)} : ${frCount(document.erasure.earlierLedgerEntries, 'entrée antérieure gardée', 'entrées antérieures gardées')} comme preuve, sans donnée personnelle.`
    : '';
  return `Export RGPD (art. 15) : ${held.join(', ')}.${erased} Remise consignée au registre (${receiptOf([receipt])}).`;
}
