import { describe, expect, it } from 'vitest';
import { hygiene } from '../support/cli.ts';

describe('hygiene CLI entry', () => {
  it('an unknown command exits 2 with a one-line message', async () => {
    const r = await hygiene('frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });

  it('--help lists the commands and exits 0', async () => {
    const r = await hygiene('--help');
    expect(r.code).toBe(0);
    for (const c of ['check', 'gate', 'up', 'ingest', 'send', 'purge', 'dsr', 'ledger']) expect(r.stdout).toContain(c);
  });
});
