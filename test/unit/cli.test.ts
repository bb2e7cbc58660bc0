import { describe, expect, it } from 'vitest';
import { hygiene } from '../support/cli.ts';

describe('hygiene CLI entry', () => {
  it('an unknown command exits 2 with a one-line message', async () => {
    const r = await hygiene('frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('hygiene : commande inconnue « frobnicate »');
  });

  it('--help lists the commands and exits 0', async () => {
    const r = await hygiene('--help');
    expect(r.code).toBe(0);
    for (const c of ['check', 'gate', 'up', 'ingest', 'send', 'purge', 'dsr', 'ledger']) expect(r.stdout).toContain(c);
  });
});

describe('hygiene speaks to the operator (issue 22)', () => {
  it('--version is the package version', async () => {
    const { readFileSync } = await import('node:fs');
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const r = await hygiene('--version');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`hygiene ${version}`);
  });

  it('a mistyped command gets « vouliez-vous dire »', async () => {
    const r = await hygiene('chek', 'examples/clients-2026/manifest.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('vouliez-vous dire « hygiene check »');
    expect((await hygiene('frobnicate')).stderr).not.toContain('vouliez-vous dire');
  });

  it.each(['check', 'gate', 'up', 'ingest', 'send', 'calls', 'campaign', 'purge', 'dsr', 'ledger'])(
    'hygiene %s --help: usage and an example, in French, exit 0',
    async (command) => {
      const { main } = await import('../../cli/main.ts');
      let out = '';
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((chunk: string) => {
        out += chunk;
        return true;
      }) as typeof process.stdout.write;
      try {
        expect(await main([command, '--help'])).toBe(0);
      } finally {
        process.stdout.write = write;
      }
      expect(out).toContain(`hygiene ${command}`);
      expect(out).toContain('Exemple : hygiene');
    },
  );
});

describe('hygiene ingest: progress (issue 22)', () => {
  it('rows judged, contacts written, rate and the time left, with French separators', async () => {
    const { progressLine } = await import('../../cli/ingest.ts');
    const line = progressLine({ rows: 120_000, written: 95_000, expected: 300_000 }, 60);
    expect(line).toMatch(
      /^120\s000 \/ 300\s000 lignes jugées \(40 %\), 95\s000 contacts écrits, 2\s000 lignes\/s, fin dans ≈ 1 min 30 s/u,
    );
  });
});

describe('errors say what to do next (issue 22)', () => {
  it('hygiene ingest --timeout that is not a number of seconds is bad usage (exit 2), before anything is uploaded', async () => {
    const r = await hygiene('ingest', 'examples/clients-2026/manifest.json', '--timeout', 'abc');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--timeout : un nombre de secondes (par exemple 600), pas « abc »');
  });

  it('a data file given where a manifest is expected is bad usage (exit 2), said in French', async () => {
    const r = await hygiene('check', 'examples/clients-2026/contacts.csv');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('est un fichier de données, pas un manifeste');
  });

  it('a checksum mismatch names both digests and how to fix it', async () => {
    const { mkdtempSync, cpSync, readFileSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'sum-'));
    cpSync('examples/clients-2026', dir, { recursive: true });
    const manifest = join(dir, 'manifest.json');
    writeFileSync(
      manifest,
      readFileSync(manifest, 'utf8').replace(/"sha256": "[0-9a-f]{64}"/, `"sha256": "${'0'.repeat(64)}"`),
    );
    const r = await hygiene('check', manifest);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`alors que le manifeste indique ${'0'.repeat(64)}`);
    expect(r.stdout).toMatch(/SHA-256 [0-9a-f]{64}/);
    expect(r.stdout).toContain('recalculez son empreinte (sha256sum <fichier>)');
  });

  it('no stack running → how to start it; a port taken → --free-ports', async () => {
    const { nextStep } = await import('../../cli/dispatch.ts');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' });
    expect(nextStep(refused, refused.message)).toContain('« npm start »');
    const taken = Object.assign(new Error('listen EADDRINUSE: address already in use :::8010'), { code: 'EADDRINUSE' });
    expect(nextStep(taken, taken.message)).toContain('--free-ports');
    expect(nextStep(new Error('other'), 'other')).toBe('');
  });
});

describe('progress of long commands (issue 22)', () => {
  const fakeStream = (isTTY: boolean) => {
    const written: string[] = [];
    return { written, stream: { isTTY, write: (t: string) => written.push(t) } as unknown as NodeJS.WriteStream };
  };

  it('on a terminal: one line rewritten, at most once a second, ended by a newline', async () => {
    const { terminalProgress } = await import('../../cli/progress.ts');
    const { written, stream } = fakeStream(true);
    const p = terminalProgress(false, 1000, stream);
    p.show('100 lignes');
    p.show('200 lignes'); // within the second: not shown
    p.show('300 lignes', true);
    p.done();
    expect(written).toEqual(['\r100 lignes\u001b[K', '\r300 lignes\u001b[K', '\n']);
  });

  it('quiet with --json, and when piped', async () => {
    const { terminalProgress } = await import('../../cli/progress.ts');
    for (const [json, tty] of [
      [true, true],
      [false, false],
    ] as const) {
      const { written, stream } = fakeStream(tty);
      const p = terminalProgress(json, 0, stream);
      p.show('100 lignes', true);
      p.done();
      expect(written).toEqual([]);
    }
  });
});
