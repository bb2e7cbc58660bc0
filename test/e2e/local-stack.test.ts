import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanAllItems } from '#store/dynamo-batch';
import { runDemo } from '../../cli/demo.ts';
import { type LocalStack, startLocalStack } from '../../cli/local/stack.ts';
import { terminalProgress } from '../../cli/progress.ts';
import { runHygiene } from '../support/cli.ts';
import { accepts, externalAddresses, isLoopback, listeningAddresses } from '../support/listening.ts';

describe('the local stack runs the whole pipeline: the demo, end to end', () => {
  let stack: LocalStack;
  let output = '';
  const env = { ...process.env };
  beforeAll(async () => {
    stack = await startLocalStack({ workDir: await mkdtemp(join(tmpdir(), 'hygiene-e2e-')) });
  });
  afterAll(async () => {
    await stack?.stop();
    Object.assign(process.env, env);
  });

  it('listens on loopback only: DynamoDB Local, S3, SES and the unsubscribe server are out of the network’s reach (issue 22)', async () => {
    const urls: [string, string][] = [
      ...Object.entries(stack.emulators.endpoints),
      ['unsubscribe', stack.unsubscribeBaseUrl],
    ];
    const ports: Record<string, number> = Object.fromEntries(
      urls.map(([name, url]) => [name, Number(new URL(url).port)]),
    );
    expect(Object.keys(ports).sort()).toEqual(['dynamodb', 's3', 'ses', 'unsubscribe']);
    const external = externalAddresses();
    for (const [name, port] of Object.entries(ports)) {
      expect({ name, loopback: await accepts('127.0.0.1', port) }).toEqual({ name, loopback: true });
      // what the kernel says each socket is bound to (Linux): never the wildcard
      if (process.platform === 'linux') {
        const bound = await listeningAddresses(port);
        expect(bound.length, name).toBeGreaterThan(0);
        expect({ name, bound: bound.filter((a) => !isLoopback(a)) }).toEqual({ name, bound: [] });
      }
      for (const address of external) {
        expect({ name, address, reached: await accepts(address, port) }).toEqual({ name, address, reached: false });
      }
    }
  });

  it('imports the sample lists, sends, honours the bounce, complaint and one-click, then purges 3 years later', async () => {
    // the steps' progress, as a terminal would show it (issue 22)
    let shown = '';
    const write = (t: string): boolean => {
      shown += t;
      return true;
    };
    const terminal = { isTTY: true, write } as unknown as NodeJS.WriteStream;
    const outcome = await runDemo(
      stack,
      (t) => {
        output += t;
      },
      new Date(),
      terminalProgress(false, 500, terminal),
    );
    const progressLines = shown.split(/[\r\n]/).map((l) => l.replace('\u001b[K', '').trim());
    expect(progressLines).toContain('Import des listes : 7/7 jugées…');
    expect(progressLines.some((l) => /^Envoi : \d+ messages remis à SES…$/.test(l))).toBe(true);
    expect(progressLines.some((l) => /^Retours SES : \d+ oppositions ou exclusions enregistrées…$/.test(l))).toBe(true);
    expect(progressLines.some((l) => l.startsWith('Purge en cours : '))).toBe(true);
    expect(output).not.toContain('\r');
    // 1. every sample list judged, each with its verdict
    expect(Object.keys(outcome.lists).sort()).toEqual([
      'annuaire-web-2026',
      'appels-clients-2026',
      'clients-2026',
      'export-excel-fr',
      'fichier-achete-2026',
      'newsletter-2026',
      'salon-batimat-2026',
    ]);
    expect(outcome.lists['fichier-achete-2026']).toMatchObject({ accepted: 0 });
    expect(outcome.lists['salon-batimat-2026']?.accepted).toBeGreaterThan(0);
    // 2. the campaign reached only the allowed contacts, through the SES emulator
    expect(outcome.campaign?.send).toBeGreaterThan(0);
    const store = (await (await fetch(`${stack.emulators.endpoints.ses}/store`)).json()) as {
      emails: { destination: { to: string[] }; headers?: { name: string; value: string }[] }[];
    };
    expect(store.emails).toHaveLength(outcome.campaign?.send ?? -1);
    // design.md §5: which configuration set each message used, beside the outbox (rules.md §7b: untracked)
    const sends = (await (await fetch(`${stack.unsubscribeBaseUrl}/local/sends`)).json()) as {
      messageId: string;
      configurationSet: string;
    }[];
    expect(sends).toHaveLength(store.emails.length);
    expect(new Set(sends.map((x) => x.configurationSet))).toEqual(new Set(['prospect-hygiene']));
    for (const mail of store.emails) {
      const names = (mail.headers ?? []).map((h) => h.name.toLowerCase());
      expect(names).toEqual(expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post']));
    }
    // 3. the simulator's bounce and complaint, and a one-click unsubscribe, are suppressions
    const bySource = outcome.suppressions.map((s) => `${s.reason}:${s.sources.join('+')}`).sort();
    expect(bySource).toEqual(['BOUNCED:hard-bounce', 'OPPOSED:complaint', 'OPPOSED:one-click']);
    // 3b. a call sheet, and the calls' outcomes: the refusal is an opposition
    expect(outcome.calls).toMatchObject({ oppositions: 1 });
    expect(outcome.calls?.call).toBeGreaterThan(0);
    // 4. three years later everything expired is gone, with receipts; the suppressions stay
    expect(outcome.purge.deleted).toBeGreaterThan(0);
    expect(await scanAllItems(outcome.resources?.CONTACTS_TABLE as string)).toHaveLength(0);
    expect(await scanAllItems(outcome.resources?.SUPPRESSIONS_TABLE as string)).toHaveLength(4);
    // the demo's own tables and bucket, never the user's
    expect(outcome.resources?.CONTACTS_TABLE).toBe('demo-contacts');
    expect(outcome.resources?.BUCKET_NAME).toBe('hygiene-demo');
    // product text, no address printed
    expect(output).toContain('Où regarder');
    // (the commands to try at the end name a sample address on purpose)
    expect(output.split('=== Où regarder')[0]).not.toMatch(/[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}/i);
  });

  it('hygiene ingest uploads a list to the running stack, waits for its report and prints it', async () => {
    const r = await runHygiene(['ingest', 'examples/salon-batimat-2026/manifest.json', '--json'], {
      ...process.env,
      ...stack.env,
    });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { listId: string; status: string; decisions: unknown[] };
    expect(report).toMatchObject({ listId: 'salon-batimat-2026', status: 'accepted' });
    expect(report.decisions.length).toBeGreaterThan(0);
    const refused = await runHygiene(['ingest', 'examples/fichier-achete-2026/manifest.json'], {
      ...process.env,
      ...stack.env,
    });
    expect(refused.code).toBe(0); // the list is accepted; its rows are all refused (PARTNER_NOT_NAMED)
    expect(refused.stdout).toContain('PARTNER_NOT_NAMED');
  });

  it("a user's data survives any number of demos (issue 22): the demo's purge three years later never reaches it", async () => {
    const { putNewContacts, getContact } = await import('#store/contacts');
    const { defaultSettings } = await import('#schemas/settings');
    const key = 'u'.repeat(64);
    await putNewContacts(
      [
        {
          suppressionKey: key,
          email: 'client.fidele@exemple.fr',
          kind: 'generic',
          bases: { email: 'legal-person' },
          listId: 'ma-liste',
          listIds: ['ma-liste'],
          sourceKind: 'own-form',
          collectedAt: new Date().toISOString(),
          productCategories: [],
          informAtFirstMessage: false,
          expiresAt: new Date(Date.now() + 1000 * 86_400_000).toISOString(),
        },
      ],
      defaultSettings,
    );
    await runDemo(stack, () => undefined);
    await runDemo(stack, () => undefined);
    expect(process.env.CONTACTS_TABLE).toBe(stack.env.CONTACTS_TABLE);
    expect(await getContact(key)).toBeDefined();
  });

  it('runs again without harm (idempotent): the lists are not imported twice, nothing is sent twice', async () => {
    const before = (await (await fetch(`${stack.emulators.endpoints.ses}/store`)).json()) as { emails: unknown[] };
    const outcome = await runDemo(stack, () => undefined);
    const after = (await (await fetch(`${stack.emulators.endpoints.ses}/store`)).json()) as { emails: unknown[] };
    expect(after.emails.length).toBe(before.emails.length);
    expect(Object.keys(outcome.lists)).toHaveLength(7);
  });
});

/** Every process below `root` (the launcher re-runs itself under --openssl-legacy-provider; then the JVM guard, the JVM). */
async function descendants(root: number): Promise<number[]> {
  const { execSync } = await import('node:child_process');
  const rows = execSync('ps -eo pid,ppid,cmd')
    .toString()
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/).map(Number))
    .map(([pid, ppid]) => ({ pid: pid as number, ppid: ppid as number }));
  const out: number[] = [];
  const walk = (p: number) => {
    for (const r of rows.filter((x) => x.ppid === p)) {
      out.push(r.pid);
      walk(r.pid);
    }
  };
  walk(root);
  return out;
}

/** The processes of `pids` still alive (a zombie is dead), waiting up to 15 s for a JVM to go. */
async function stillAlive(pids: readonly number[]): Promise<string[]> {
  const { readFileSync } = await import('node:fs');
  const living = () =>
    pids.flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        if (stat.split(') ')[1]?.startsWith('Z')) return [];
        return [`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 60)}`];
      } catch {
        return [];
      }
    });
  for (let i = 0; i < 150 && living().length; i++) await new Promise((r) => setTimeout(r, 100));
  return living();
}

/** `hygiene up --memory --free-ports` as `npm start` runs it (`sh -c 'exec node …'`), up and ready. */
async function upThroughShell() {
  const child = spawn('sh', ['-c', 'exec node bin/hygiene.js up --memory --free-ports'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' },
  });
  const output = { text: '' };
  child.stdout.on('data', (c: Buffer) => {
    output.text += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    output.text += c.toString();
  });
  const deadline = Date.now() + 60_000;
  while (!output.text.includes('Ctrl-C') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(output.text).toContain('Ctrl-C');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exited, processes: await descendants(child.pid as number) };
}

describe('hygiene up: any stop signal stops everything (issue 22)', () => {
  it('Ctrl-C (SIGINT, twice as a terminal and the launcher deliver it): « Pile locale arrêtée. », nothing after, no process left', async () => {
    const up = await upThroughShell();
    expect(up.processes.length).toBeGreaterThanOrEqual(2); // the re-run node, the guard, the JVM
    up.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 50));
    up.child.kill('SIGINT');
    expect(await up.exited).toBe(0);
    expect(up.output.text.trimEnd().endsWith('Pile locale arrêtée.')).toBe(true);
    expect(await stillAlive(up.processes)).toEqual([]);
  });

  it('the launcher killed outright (SIGKILL: kill -9, a crashed IDE): the stack stops itself, nothing is left running', async () => {
    const up = await upThroughShell();
    up.child.kill('SIGKILL');
    await up.exited;
    expect(await stillAlive(up.processes)).toEqual([]);
  });

  it('SIGTERM (a process manager, an IDE’s stop button, timeout) stops everything too', async () => {
    const up = await upThroughShell();
    up.child.kill('SIGTERM');
    expect(await up.exited).toBe(0);
    expect(up.output.text).toContain('Pile locale arrêtée.');
    expect(await stillAlive(up.processes)).toEqual([]);
  });
});
