/**
 * `hygiene <command>`: dispatches to one module per command (cli/<command>.ts). Each
 * command returns its exit code; bad usage and unreadable input end here as one line
 * on stderr with exit 2 (design.md §3.4).
 */
import { EXIT, UsageError } from './errors.ts';

export type Command = (args: string[]) => Promise<number>;

const USAGE = `usage: hygiene <command> [options]

commands:
  check <manifest.json>                     judge a list offline
  gate <campaign.json> --manifest <m.json>  which rows a campaign may reach, offline
  up                                        start the local stack (emulators + functions)
  ingest <manifest.json>                    upload a list and wait for its report
  send <campaign.json>                      run a campaign through the gate and SES
  purge                                     run the retention purge now
  dsr export|erase <address>                data subject access / erasure
  ledger verify | digest                    recompute the evidence chain / write a digest now

common options: --json  --now <ISO date>  --config <file>  --advertiser <name>  --stack <deployed stack>`;

export async function main(argv: string[]): Promise<number> {
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
    // `--stack <name>`: the deployed stack's outputs instead of the local stack (any command)
    const at = rest.indexOf('--stack');
    if (at !== -1) {
      const stackName = rest[at + 1];
      if (!stackName || stackName.startsWith('--')) throw new UsageError('--stack expects a stack name');
      rest.splice(at, 2);
      const { useDeployedStack } = await import('./local-target.ts');
      await useDeployedStack(stackName);
    }
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

/** One module per command (cli/<command>.ts, exporting `run`), loaded on demand so `check` never loads the AWS SDK. */
const commands: Record<string, () => Promise<Command>> = {
  up: async () => (await import('./up.ts')).run,
  check: async () => (await import('./check.ts')).run,
  gate: async () => (await import('./gate.ts')).run,
  ingest: async () => (await import('./ingest.ts')).run,
  ledger: async () => (await import('./ledger.ts')).run,
  purge: async () => (await import('./purge.ts')).run,
  dsr: async () => (await import('./dsr.ts')).run,
  send: async () => (await import('./send.ts')).run,
};
