/**
 * rules.md §4b: what an export says about opt-outs, with files shaped like the exports of
 * Brevo, Mailchimp and HubSpot (their headers, date formats and yes/no spellings), through
 * the rules engine and through `hygiene check`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ListReport, ListRow } from '#domain/contact';
import { exportedOptOuts } from '#domain/rows';
import { hygieneInProcess } from './../support/cli.ts';
import { NEWSLETTER, tradeShowManifest } from './../support/lists.ts';

describe('exportedOptOuts: each tool, each spelling', () => {
  it.each<[string, Omit<ListRow, 'line'>, ReturnType<typeof exportedOptOuts>]>([
    ['Brevo EMAIL_BLACKLISTED yes', { email_blacklisted: 'yes' }, { email: 'OPPOSED', phone: undefined }],
    ['Brevo EMAIL_BLACKLISTED Oui', { email_blacklisted: 'Oui' }, { email: 'OPPOSED', phone: undefined }],
    ['Brevo EMAIL_BLACKLISTED TRUE', { email_blacklisted: 'TRUE' }, { email: 'OPPOSED', phone: undefined }],
    ['Brevo EMAIL_BLACKLISTED 1', { email_blacklisted: '1' }, { email: 'OPPOSED', phone: undefined }],
    ['Brevo EMAIL_BLACKLISTED No', { email_blacklisted: 'No' }, undefined],
    ['Brevo EMAIL_BLACKLISTED 0', { email_blacklisted: '0' }, undefined],
    ['Brevo SMS_BLACKLISTED yes: the number only', { sms_blacklisted: 'yes' }, { email: undefined, phone: 'OPPOSED' }],
    ['Mailchimp UNSUB_TIME', { unsub_time: '2025-06-01 10:00:00' }, { email: 'OPPOSED', phone: undefined }],
    [
      'Mailchimp CLEAN_TIME: a hard bounce',
      { clean_time: '2025-06-01 10:00:00' },
      { email: 'BOUNCED', phone: undefined },
    ],
    [
      'Mailchimp both: the opposition wins',
      { clean_time: '2025-06-01', unsub_time: '2025-05-01' },
      { email: 'OPPOSED', phone: undefined },
    ],
    [
      'HubSpot Unsubscribed from all email true',
      { unsubscribed_all_email: 'true' },
      { email: 'OPPOSED', phone: undefined },
    ],
    ['HubSpot Unsubscribed from all email false', { unsubscribed_all_email: 'false' }, undefined],
    ['statut Désabonné: every key', { status: 'Désabonné' }, { email: 'OPPOSED', phone: 'OPPOSED' }],
    ['status opted out', { status: 'opted out' }, { email: 'OPPOSED', phone: 'OPPOSED' }],
    ['status Opted-Out', { status: 'Opted-Out' }, { email: 'OPPOSED', phone: 'OPPOSED' }],
    ['status optout', { status: 'optout' }, { email: 'OPPOSED', phone: 'OPPOSED' }],
    ['status blocklisted', { status: 'blocklisted' }, { email: 'OPPOSED', phone: 'OPPOSED' }],
    ['status BLACKLISTED', { status: 'BLACKLISTED' }, { email: 'OPPOSED', phone: 'OPPOSED' }],
    ['status unsubscribed', { status: 'unsubscribed' }, { email: 'OPPOSED', phone: 'OPPOSED' }],
    ['status bounced', { status: 'bounced' }, { email: 'BOUNCED', phone: 'BOUNCED' }],
    ['status Cleaned', { status: 'Cleaned' }, { email: 'BOUNCED', phone: 'BOUNCED' }],
    ['status subscribed', { status: 'subscribed' }, undefined],
    ['status abonné', { status: 'abonné' }, undefined],
    [
      'status bounced, Brevo email blacklisted: the opposition wins',
      { status: 'bounced', email_blacklisted: 'yes' },
      { email: 'OPPOSED', phone: 'BOUNCED' },
    ],
    ['nothing', {}, undefined],
  ])('%s', (_name, row, expected) => {
    expect(exportedOptOuts({ line: 2, ...row })).toEqual(expected);
  });
});

const NOW = '2026-11-24T10:00:00Z';

/** Writes a consumer consent list (email + SMS, double opt-in) and its manifest; returns the manifest's path. */
function list(listId: string, csv: string): string {
  const dir = mkdtempSync(join(tmpdir(), `hygiene-export-${listId}-`));
  writeFileSync(join(dir, 'contacts.csv'), csv);
  const manifest = tradeShowManifest(listId, Buffer.from(csv), NEWSLETTER);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return join(dir, 'manifest.json');
}

async function check(path: string): Promise<ListReport> {
  const out = await hygieneInProcess('check', path, '--json', '--now', NOW);
  return JSON.parse(out.stdout) as ListReport;
}

const byLine = (report: ListReport) => Object.fromEntries(report.decisions.map((d) => [d.line, d]));

describe('hygiene check on real-shaped exports (rules.md §4b)', () => {
  it('Brevo: EMAIL_BLACKLISTED closes the email, SMS_BLACKLISTED the SMS; both: OPPOSED', async () => {
    const csv = [
      'EMAIL;SMS;PRENOM;NOM;DATE_CONSENTEMENT;EMAIL_BLACKLISTED;SMS_BLACKLISTED',
      'lea.martin@gmail.com;33612345678;Léa;Martin;2026-03-01 10:00:00;No;No',
      'paul.roux@gmail.com;33612345679;Paul;Roux;2026-03-01 10:00:00;Yes;No',
      'ines.bas@gmail.com;33612345680;Inès;Bas;2026-03-01 10:00:00;No;Yes',
      'marc.diaz@gmail.com;33612345681;Marc;Diaz;2026-03-01 10:00:00;Yes;Yes',
      '',
    ].join('\n');
    const report = await check(list('brevo-export', csv));
    const rows = byLine(report);
    expect(rows[2]).toMatchObject({ status: 'accepted', bases: { email: 'consent', sms: 'consent' } });
    expect(rows[3]).toMatchObject({
      status: 'accepted',
      bases: { sms: 'consent' },
      rejectedChannels: { email: ['OPPOSED'] },
    });
    expect(rows[4]).toMatchObject({
      status: 'accepted',
      bases: { email: 'consent' },
      rejectedChannels: { sms: ['OPPOSED'] },
    });
    expect(rows[5]).toMatchObject({ status: 'rejected', reasons: ['OPPOSED'] });
    expect(report.byReason).toEqual({ OPPOSED: 1 });
  });

  it('Mailchimp: the exports of unsubscribed and of cleaned members', async () => {
    const unsubscribed = [
      'Email Address,First Name,Last Name,MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,LATITUDE,LONGITUDE,UNSUB_TIME,UNSUB_CAMPAIGN_TITLE,UNSUB_CAMPAIGN_ID,UNSUB_REASON,LEID,EUID',
      'zoe.petit@gmail.com,Zoé,Petit,2,2026-03-01 10:00:00,1.2.3.4,2026-03-01 10:05:00,1.2.3.4,,,2026-06-02 09:00:00,Printemps,abc123,NORMAL,1,x1',
      '',
    ].join('\n');
    const cleaned = [
      'Email Address,First Name,Last Name,MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,CLEAN_TIME,CLEAN_CAMPAIGN_TITLE,CLEAN_CAMPAIGN_ID,LEID,EUID',
      'adresse.morte@gmail.com,Jean,Mort,1,2026-03-01 10:00:00,1.2.3.4,2026-03-01 10:05:00,1.2.3.4,2026-07-01 08:00:00,Été,def456,2,x2',
      '',
    ].join('\n');
    expect(byLine(await check(list('mailchimp-unsub', unsubscribed)))[2]).toMatchObject({
      status: 'rejected',
      reasons: ['OPPOSED'],
    });
    expect(byLine(await check(list('mailchimp-cleaned', cleaned)))[2]).toMatchObject({
      status: 'rejected',
      reasons: ['BOUNCED'],
    });
  });

  it('HubSpot: Unsubscribed from all email true → OPPOSED; false → judged as usual', async () => {
    const csv = [
      'Record ID,First Name,Last Name,Email,Create Date,Unsubscribed from all email,Lifecycle Stage,date_consentement',
      '101,Anne,Roy,anne.roy@gmail.com,2026-02-01 09:00,true,lead,2026-03-01',
      '102,Luc,Blanc,luc.blanc@gmail.com,2026-02-01 09:00,false,lead,2026-03-01',
      '',
    ].join('\r\n');
    const rows = byLine(await check(list('hubspot-export', csv)));
    expect(rows[2]).toMatchObject({ status: 'rejected', reasons: ['OPPOSED'] });
    expect(rows[3]).toMatchObject({ status: 'accepted', bases: { email: 'consent' } });
  });

  it('a generic statut column, in French, opposes every channel of the row', async () => {
    const csv = [
      'email;telephone;date_consentement;statut',
      'camille@gmail.com;06 12 34 56 78;01/03/2026;Désabonné',
      'hugo@gmail.com;06 12 34 56 79;01/03/2026;bounced',
      'nina@gmail.com;06 12 34 56 80;01/03/2026;Abonné',
      '',
    ].join('\n');
    const report = await check(list('statut-fr', csv));
    const rows = byLine(report);
    expect(rows[2]).toMatchObject({ status: 'rejected', reasons: ['OPPOSED'] });
    expect(rows[3]).toMatchObject({ status: 'rejected', reasons: ['BOUNCED'] });
    expect(rows[4]).toMatchObject({ status: 'accepted' });
    expect(report.unknownColumns ?? []).not.toContain('statut');
  });
});

describe('hygiene gate over several lists (rules.md §4b)', () => {
  it('an export’s opt-out in one list opposes the person in every list of the run', async () => {
    const optedOut = list(
      'gate-export-a',
      'email;date_consentement;statut\ncamille@gmail.com;01/03/2026;Désabonné\nnina@gmail.com;01/03/2026;Abonné\n',
    );
    const clean = list(
      'gate-export-b',
      'email;date_consentement\ncamille@gmail.com;01/03/2026\nhugo@gmail.com;01/03/2026\n',
    );
    const dir = mkdtempSync(join(tmpdir(), 'hygiene-export-campaign-'));
    const campaign = join(dir, 'campaign.json');
    writeFileSync(
      campaign,
      JSON.stringify({
        campaignId: 'printemps-export',
        advertiser: 'Acme SAS',
        purpose: 'commercial-prospecting',
        channel: 'email',
        productCategory: 'disques',
        audience: { lists: ['gate-export-b'] },
        message: {
          from: 'Acme <offres@acme.fr>',
          subject: 'Nos offres',
          text: 'Acme SAS, 1 rue de Paris. Se désinscrire : {{unsubscribeUrl}}',
        },
      }),
    );
    const out = await hygieneInProcess(
      'gate',
      campaign,
      '--manifest',
      optedOut,
      '--manifest',
      clean,
      '--json',
      '--now',
      NOW,
    );
    const report = JSON.parse(out.stdout) as {
      decisions: { listId: string; line: number; status: string; reasons: string[] }[];
    };
    const inB = Object.fromEntries(
      report.decisions.filter((d) => d.listId === 'gate-export-b').map((d) => [d.line, d]),
    );
    expect(inB[2]).toMatchObject({ status: 'skip', reasons: ['OPPOSED'] });
    expect(inB[3]).toMatchObject({ status: 'send' });
  });
});
