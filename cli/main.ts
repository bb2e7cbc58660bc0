/**
 * `hygiene <command>`: dispatches to one module per command (cli/<command>.ts). Each
 * command returns its exit code (design.md §3.4); cli/dispatch.ts turns bad usage and
 * unreadable input into one line on stderr with exit 2.
 */
import { type Command, dispatch } from './dispatch.ts';
import { UsageError } from './errors.ts';

export type { Command };

/** `--stack <name>`: the deployed stack's outputs instead of the local stack (any command). */
async function useStackOption(rest: string[]): Promise<void> {
  const at = rest.indexOf('--stack');
  if (at === -1) return;
  const stackName = rest[at + 1];
  if (!stackName || stackName.startsWith('--'))
    throw new UsageError('--stack : donnez le nom de la pile déployée (--stack <pile>)');
  rest.splice(at, 2);
  const { useDeployedStack } = await import('./local-target.ts');
  await useDeployedStack(stackName);
}

export function main(argv: string[]): Promise<number> {
  return dispatch(argv, commands, useStackOption);
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
  calls: async () => (await import('./calls.ts')).run,
  campaign: async () => (await import('./campaign.ts')).run,
};
