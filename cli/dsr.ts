/**
 * `hygiene dsr export <address> [--json]`: everything held about a person, as one JSON
 * document (GDPR 15). `hygiene dsr erase <address> [--json]`: deletes their contact
 * records and consent proofs, keeps an OPPOSED suppression entry and leaves a receipt
 * (GDPR 17, rules.md §9). Any case or Gmail variant of the address finds the same person.
 * Exit 0 done, 2 bad usage, an invalid address or an unreachable store.
 */
import { DsrAddressInvalid, eraseSubject, exportSubject } from '#shared/flows/dsr';
import { parseCommand } from './config.ts';
import { EXIT, UsageError } from './errors.ts';
import { useLocalStackDefaults } from './local-target.ts';

const USAGE = 'usage: hygiene dsr export|erase <address> [--json]';

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, {}, USAGE);
  const [action, address, ...extra] = positionals;
  if ((action !== 'export' && action !== 'erase') || !address || extra.length > 0) throw new UsageError(USAGE);
  useLocalStackDefaults();
  const json = values.json ?? false;
  try {
    if (action === 'export') {
      const { document } = await exportSubject(address, new Date());
      process.stdout.write(`${json ? JSON.stringify(document) : JSON.stringify(document, null, 2)}\n`);
      return EXIT.done;
    }
    const outcome = await eraseSubject(address, new Date());
    if (json) process.stdout.write(`${JSON.stringify(outcome)}\n`);
    else {
      const receipts = outcome.receipts.map((r) => `${r.chain}#${r.seq}`).join(', ');
      process.stdout.write(
        `erased: ${outcome.contactsDeleted} contact record(s) deleted; ${outcome.suppressionKeys.length} suppression key(s) kept as OPPOSED; receipt ${receipts}\n`,
      );
    }
    return EXIT.done;
  } catch (error) {
    // rules.md §0.4: the address is never repeated in a message
    if (error instanceof DsrAddressInvalid) throw new UsageError(error.message);
    throw error;
  }
}
