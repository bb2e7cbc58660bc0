/**
 * The offline commands (`check`, `gate`: no AWS, no emulator) as an entry of their own:
 * bin/hygiene.js runs them bundled by esbuild, as the Lambdas run, without loading the
 * AWS SDK or tsx — these are the commands that read million-row lists.
 */
import { run as check } from './check.ts';
import { dispatch } from './dispatch.ts';
import { run as gate } from './gate.ts';

export function main(argv: string[]): Promise<number> {
  return dispatch(argv, { check: async () => check, gate: async () => gate });
}
