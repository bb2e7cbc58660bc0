/**
 * `hygiene ledger verify [--json]`: recomputes every chain of the evidence ledger and
 * checks it against the locked digests (rules.md §8); exit 0 intact, 1 broken (naming
 * the chain and the first broken entry), 2 unreachable.
 * `hygiene ledger digest [--json]`: writes a digest of every chain's head now.
 */
import type { LedgerProblem } from '#domain/ledger';
import { frNumber } from '#shared/french';
import { verifyLedger, writeDigest } from '#store/ledger-digests';
import { parseCommand } from './config.ts';
import { nextStep } from './dispatch.ts';
import { EXIT, UsageError } from './errors.ts';
import { useLocalStackDefaults } from './local-target.ts';
import { terminalProgress } from './progress.ts';

const USAGE = 'usage : hygiene ledger verify|digest [--json]';

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, {}, USAGE);
  const [action, ...extra] = positionals;
  if ((action !== 'verify' && action !== 'digest') || extra.length > 0) throw new UsageError(USAGE);
  useLocalStackDefaults();
  const json = values.json ?? false;

  if (action === 'digest') {
    const digest = await reach(() => writeDigest(new Date()));
    if (!digest) return EXIT.usage;
    const entries = Object.values(digest.heads).reduce((n, head) => n + head.seq, 0);
    process.stdout.write(
      json
        ? `${JSON.stringify(digest)}\n`
        : `Condensé écrit : ${digest.key} (${frNumber(entries)} entrées dans ${Object.keys(digest.heads).length} chaînes)\n`,
    );
    return EXIT.done;
  }

  const shown = terminalProgress(json);
  const verdict = await reach(() =>
    verifyLedger((p) =>
      shown.show(
        `Vérification : ${p.chains}/${p.of} chaînes, ${frNumber(p.entries)} entrées relues…`,
        p.chains === p.of,
      ),
    ),
  );
  shown.done();
  if (!verdict) return EXIT.usage;
  if (json) process.stdout.write(`${JSON.stringify(verdict)}\n`);
  if (verdict.ok) {
    if (!json)
      process.stdout.write(
        `Registre de preuves intact : ${frNumber(verdict.entries)} entrées dans ${verdict.chains} chaînes, chaque maillon vérifié.\n`,
      );
    return EXIT.done;
  }
  const where = verdict.digest ? `condensé ${verdict.digest}` : `chaîne ${verdict.chain}, entrée ${verdict.seq}`;
  // issue 22: in French for a person, with the verifier's code (LedgerProblem); --json gives the verdict for a program
  process.stderr.write(`registre rompu : ${PROBLEM_FR[verdict.problem]} (${verdict.problem}) — ${where}\n`);
  return EXIT.refused;
}

/** The verifier's findings in words (shared/domain/ledger.ts LedgerProblem). */
const PROBLEM_FR: Record<LedgerProblem, string> = {
  gap: 'une entrée manque (supprimée ?)',
  'hash-mismatch': 'une entrée a été modifiée après coup',
  'broken-link': "une entrée ne pointe plus vers celle d'avant",
  'out-of-order': 'des entrées sont hors de leur ordre',
  truncated: 'des entrées qu’un condensé ou la tête de chaîne nomme ont disparu',
  'head-mismatch': 'la tête de chaîne ne correspond pas à la dernière entrée',
  'digest-mismatch': 'la chaîne ne correspond plus au condensé déposé',
  'digest-corrupt': 'un condensé est illisible',
};

/** Runs a ledger call; an unreachable table or bucket is one line on stderr (exit 2). */
async function reach<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    const e = error as { message?: string; name?: string; code?: string };
    const message = e.message || e.code || e.name || String(error);
    const line = message.split('\n')[0] ?? '';
    process.stderr.write(`hygiene ledger : registre injoignable : ${line}${nextStep(error, message)}\n`);
    return undefined;
  }
}
