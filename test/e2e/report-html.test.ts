/**
 * Reports a person opens (issue 22), seen in a real browser: headless Chromium (Debian's,
 * installed by .ci/run when missing) renders the page `hygiene check --html` writes, and
 * the test reads what a person sees — the verdict, the provenance in words, the chart, the
 * rejected rows with masked addresses, what to do — and takes a screenshot.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { campaignReportHtml } from '#shared/report-html';
import { hygiene } from '../support/cli.ts';

const CHROMIUM = '/usr/bin/chromium';
const dir = mkdtempSync(join(tmpdir(), 'report-html-'));
const flags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  `--user-data-dir=${join(dir, 'profile')}`,
];

/** The page as Chromium rendered it (its DOM after parsing) — and, with `screenshot`, an image of it. */
function render(page: string, screenshot?: string): string {
  const url = `file://${page}`;
  if (screenshot)
    execFileSync(CHROMIUM, [...flags, '--window-size=1000,1100', `--screenshot=${screenshot}`, url], {
      stdio: 'ignore',
    });
  return execFileSync(CHROMIUM, [...flags, '--dump-dom', url], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

const visibleText = (dom: string): string =>
  dom
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;|&#160;/g, ' ')
    .replace(/\s+/g, ' ');

describe.skipIf(!existsSync(CHROMIUM))('HTML reports in headless Chromium (issue 22)', () => {
  it('hygiene check --html: the verdict, the provenance, the chart, the rejected rows (masked), what to do', async () => {
    const page = join(dir, 'newsletter.html');
    const r = await hygiene(
      'check',
      'examples/newsletter-2026/manifest.json',
      '--now',
      '2026-11-24T10:00:00+01:00',
      '--html',
      page,
    );
    expect(r.code).toBe(0);
    const shot = join(dir, 'newsletter.png');
    const dom = render(page, shot);
    const text = visibleText(dom);
    expect(text).toContain('Rapport de la liste newsletter-2026');
    expect(text).toContain('Liste acceptée');
    expect(text).toContain("Données collectées du 01/01/2026 au 15/11/2026 par un formulaire de l'annonceur");
    expect(text).toContain('Consentement : double opt-in (inscription confirmée)');
    // the chart: one bar per deciding reason, in inline SVG
    expect(dom.match(/<rect /g)?.length).toBe(4);
    expect(text).toContain('CONSENT_NO_PROOF — preuve du consentement incomplète');
    // the rejected rows: line, masked address, reasons
    expect(text).toMatch(/9 l\*\*\*@laposte\.net CONSENT_NO_PROOF/);
    expect(text).not.toMatch(/[a-z0-9._-]{2,}@[a-z0-9.-]+\.[a-z]{2,}/i);
    expect(text).toContain('Que faire');
    // self-contained: nothing to fetch
    expect(dom).not.toMatch(/<(script|link|img)\b/i);
    expect(statSync(shot).size).toBeGreaterThan(10_000);
  });

  it('a refused list says why and what to do', async () => {
    const page = join(dir, 'achete.html');
    const r = await hygiene(
      'check',
      'examples/fichier-achete-2026/manifest.json',
      '--now',
      '2026-11-24T10:00:00+01:00',
      '--html',
      page,
    );
    expect(r.code).toBeLessThanOrEqual(1);
    const text = visibleText(render(page));
    expect(text).toContain('Rapport de la liste fichier-achete-2026');
    expect(text).toMatch(/PARTNER_NOT_NAMED|PROV_/);
  });

  it("a campaign's page: sent, skipped by reason, deferred, tracked or not", () => {
    const page = join(dir, 'campagne.html');
    const html = campaignReportHtml({
      campaignId: 'printemps-2027',
      status: 'accepted',
      reasons: [],
      judgedAt: '2027-03-02T09:00:00.000Z',
      counts: { audience: 1200, send: 1000, skip: 150, defer: 50, tracked: 300, untracked: 700 },
      byReason: { OPPOSED: 100, B2B_UNRELATED: 50, WINDOW: 50 },
    });
    writeFileSync(page, html);
    const text = visibleText(render(page));
    expect(text).toContain('Campagne printemps-2027');
    expect(text).toMatch(/1\s200 1\s000 150 50 300 700/u);
    expect(text).toContain("OPPOSED — la personne s'est opposée");
    expect(text).toContain('Jugée le 02/03/2027');
  });
});

// the README's screenshot is this test's page (docs/report-check.png), taken by hand with the same flags
