/**
 * Running one command of a command table: help, unknown commands, and the rule that bad
 * usage or unreadable input ends as one line on stderr with exit 2, never a stack trace
 * (design.md §3.4). Shared by the full CLI (cli/main.ts) and its offline bundle
 * (cli/offline.ts), so both behave alike.
 */
import { EXIT, UsageError } from './errors.ts';

export type Command = (args: string[]) => Promise<number>;

export const USAGE = `usage: hygiene <command> [options]

commands:
  check <manifest.json>                     judge a list offline
  gate <campaign.json> --manifest <m.json>  which rows a campaign may reach, offline
  up                                        start the local stack (emulators + functions)
  ingest <manifest.json>                    upload a list and wait for its report
  send <campaign.json>                      run a campaign through the gate and SES
  calls <campaign.json> [--from --days]     a phone campaign's call sheet
  calls record <campaignId>.csv             take the calls' outcomes back (refusals oppose)
  campaign status|resume|cancel <id>        a campaign's counts and its complaint/bounce breaker
  purge                                     run the retention purge now
  dsr export|erase <address>                data subject access / erasure
  ledger verify | digest                    recompute the evidence chain / write a digest now

common options: --json  --now <ISO date>  --config <file>  --advertiser <name>  --stack <deployed stack>`;

export async function dispatch(
  argv: string[],
  commands: Record<string, () => Promise<Command>>,
  prepare?: (rest: string[]) => Promise<void>,
): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name ? EXIT.done : EXIT.usage;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`hygiene: unknown command '${name}' (try 'hygiene --help')\n`);
    return EXIT.usage;
  }
  try {
    await prepare?.(rest);
    const run = await load();
    return await run(rest);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`hygiene ${name}: ${message.split('\n')[0]}\n`);
    if (process.env.HYGIENE_DEBUG && error instanceof Error && !(error instanceof UsageError)) {
      process.stderr.write(`${error.stack}\n`);
    }
    return EXIT.usage;
  }
}
