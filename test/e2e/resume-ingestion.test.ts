/**
 * Issue 22: Ctrl-C on `hygiene up` in the middle of an import loses nothing. In AWS the
 * state machine outlives any Lambda; locally the plan in S3 does: at its next start the
 * stack runs the ranges still to do and writes the report, each contact once. Two real
 * `hygiene up` processes on the same data folder, the first stopped by SIGINT mid-import.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emulatorEnv } from '#cli/local/emulators';
import { localStackEnv } from '#cli/local-target';
import { resetClients } from '#store/clients';
import { contactsTableName } from '#store/contacts';
import { scanAllItems } from '#store/dynamo-batch';
import { getList } from '#store/lists';
import { objectExists, objectKeys } from '#store/objects';
import { resetSecrets } from '#store/secrets';
import { importEvidenceKeys, tradeShowManifest, uploadList } from '../support/lists.ts';

const root = join(import.meta.dirname, '..', '..');
const saved = { ...process.env };

interface Up {
  child: ChildProcess;
  output: { text: string };
  exited: Promise<number | null>;
}

/** `hygiene up --free-ports` with its data in `dir/.local`, ready; this process pointed at it. */
async function up(dir: string): Promise<Up> {
  const child = spawn(process.execPath, [join(root, 'bin', 'hygiene.js'), 'up', '--free-ports'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    // as a newcomer starts it: none of this test run's endpoints, tables or secrets
    env: { PATH: saved.PATH, HOME: saved.HOME, POWERTOOLS_LOG_LEVEL: 'ERROR' },
  });
  const output = { text: '' };
  child.stdout?.on('data', (c: Buffer) => {
    output.text += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output.text += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!output.text.includes('Ctrl-C') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(output.text).toContain('Ctrl-C');
  const url = (label: string) => new RegExp(`${label}\\s+(http://127\\.0\\.0\\.1:\\d+)`).exec(output.text)?.[1] ?? '';
  Object.assign(
    process.env,
    localStackEnv(dir),
    emulatorEnv({ dynamodb: url('DynamoDB Local'), s3: url('S3 \\(s3rver\\)'), ses: url('SES \\(outbox\\)') }),
  );
  resetClients();
  resetSecrets();
  return { child, output, exited };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('an import the local stack was stopped in the middle of (issue 22)', () => {
  const running: Up[] = [];
  afterAll(async () => {
    // a stop signal the launcher forwards (were the test to fail half-way, nothing is left running)
    for (const u of running) u.child.kill('SIGTERM');
    await Promise.all(running.map((u) => u.exited));
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
    resetClients();
  });

  it('Ctrl-C mid-import, then `hygiene up` again: the import is taken up and finished, each contact and its evidence once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hygiene-resume-'));
    const listId = 'salon-interrompu';
    const rows = ['email;company;job_title'];
    for (let i = 0; i < 5000; i++) rows.push(`p${i}.nom@societe-${i % 50}.fr;Societe ${i % 50};Responsable achats`);
    const data = Buffer.from(`${rows.join('\n')}\n`);

    const first = await up(dir);
    running.push(first);
    await uploadList(tradeShowManifest(listId, data), data);
    // the import is under way (its progress is recorded every 2 s), not finished: Ctrl-C
    const during = await until('progress', async () => {
      const list = await getList(listId);
      const done = Object.values(list?.progress?.ranges ?? {}).reduce((n, r) => n + r.rows, 0);
      return list?.status === 'processing' && done > 0 ? done : undefined;
    });
    expect(during).toBeLessThan(5000);
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.output.text.trimEnd().endsWith('Pile locale arrêtée.')).toBe(true);

    const second = await up(dir);
    running.push(second);
    expect(second.output.text).toContain(`Import interrompu de ${listId} repris là où il en était`);
    const list = await until(
      'the report',
      async () => {
        const l = await getList(listId);
        return l?.status === 'accepted' ? l : undefined;
      },
      180_000,
    ).catch((error) => {
      throw new Error(`${error}; the stack said: ${second.output.text.slice(-1500)}`);
    });
    expect(list.rows).toEqual({ total: 5000, accepted: 5000, rejected: 0 });
    expect(await objectExists(objectKeys.report(listId))).toBe(true);
    const contacts = (await scanAllItems(contactsTableName())).filter((c) => c.listId === listId);
    expect(contacts).toHaveLength(5000);
    const evidenced = await importEvidenceKeys(listId);
    expect(evidenced).toHaveLength(5000);
    expect(new Set(evidenced).size).toBe(5000);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  }, 300_000);
});
