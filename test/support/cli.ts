/** Runs the real `hygiene` command (bin/hygiene.js) as a user would, and captures the outcome. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runHygiene(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliOutcome> {
  try {
    const { stdout, stderr } = await exec('node', ['bin/hygiene.js', ...args], { env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** `hygiene(...args)`: the same, with the current environment. */
export const hygiene = (...args: string[]): Promise<CliOutcome> => runHygiene(args);
