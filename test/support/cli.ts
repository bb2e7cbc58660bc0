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

let inProcessQueue: Promise<unknown> = Promise.resolve();

/**
 * The same command run inside this process (cli/main.ts `main`), its stdout and stderr
 * captured: for suites that run hundreds of commands, where a process each would cost
 * minutes. Calls are serialised (the capture swaps process.stdout.write).
 */
export function hygieneInProcess(...args: string[]): Promise<CliOutcome> {
  const run = async (): Promise<CliOutcome> => {
    const { main } = await import('../../cli/main.ts');
    let stdout = '';
    let stderr = '';
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      return true;
    }) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array) => {
      stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      return true;
    }) as typeof process.stderr.write;
    try {
      const code = await main(args);
      return { code, stdout, stderr };
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
  };
  const next = inProcessQueue.then(run, run);
  inProcessQueue = next;
  return next;
}
