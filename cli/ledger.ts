/**
 * `hygiene ledger verify [--json]`: recomputes every chain of the evidence ledger and
 * checks it against the locked digests (rules.md §8); exit 0 intact, 1 broken (naming
 * the chain and the first broken entry), 2 unreachable.
 * `hygiene ledger digest [--json]`: writes a digest of every chain's head now.
 */
import { verifyLedger, writeDigest } from '#store/ledger-digests';
import { parseCommand } from './config.ts';
import { EXIT, UsageError } from './errors.ts';
import { useLocalStackDefaults } from './local-target.ts';

const USAGE = 'usage: hygiene ledger verify|digest [--json]';

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
        : `digest written: ${digest.key} (${entries} entries in ${Object.keys(digest.heads).length} chains)\n`,
    );
    return EXIT.done;
  }

  const verdict = await reach(() => verifyLedger());
  if (!verdict) return EXIT.usage;
  if (json) process.stdout.write(`${JSON.stringify(verdict)}\n`);
  if (verdict.ok) {
    if (!json) process.stdout.write(`ledger intact: ${verdict.entries} entries in ${verdict.chains} chains\n`);
    return EXIT.done;
  }
  const where = verdict.digest ? `digest ${verdict.digest}` : `chain ${verdict.chain}, entry ${verdict.seq}`;
  process.stderr.write(`ledger broken: ${where}: ${verdict.problem}\n`);
  return EXIT.refused;
}

/** Runs a ledger call; an unreachable table or bucket is one line on stderr (exit 2). */
async function reach<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    const e = error as { message?: string; name?: string; code?: string };
    const message = e.message || e.code || e.name || String(error);
    process.stderr.write(`hygiene ledger: ledger unreachable: ${message.split('\n')[0]}\n`);
    return undefined;
  }
}
