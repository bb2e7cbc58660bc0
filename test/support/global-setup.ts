/**
 * Starts the real emulators once per test run on free ports (in memory) and stops
 * them at the end. The DynamoDB Local JVM runs under a guard that kills it when this
 * process dies, so an interrupted run leaves no orphan.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type RunningEmulators, startEmulators } from '../../cli/local/emulators.ts';

let emulators: RunningEmulators | undefined;
let s3Dir: string | undefined;

declare module 'vitest' {
  export interface ProvidedContext {
    emulatorEnv: Record<string, string>;
  }
}

export async function setup(project: TestProject): Promise<void> {
  s3Dir = await mkdtemp(join(tmpdir(), 'hygiene-s3-'));
  emulators = await startEmulators({ s3TempDir: s3Dir });
  Object.assign(process.env, emulators.env);
  project.provide('emulatorEnv', emulators.env);
}

export async function teardown(): Promise<void> {
  await emulators?.stop();
  if (s3Dir) await rm(s3Dir, { recursive: true, force: true });
}
