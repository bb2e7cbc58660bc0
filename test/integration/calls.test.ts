/**
 * Calls on the emulators (issue 21, rules.md §6b): a list ingested for real, its call
 * sheet, the calls' outcomes recorded (a refusal is an opposition with its ledger entry,
 * every call counts for the cap, a callback is activity), the next sheet (the refuser is
 * gone, the capped one deferred), a malformed outcomes file applied not at all, and the
 * outcomes function triggered by an upload under `outcomes/`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallSheet } from '#domain/calls';
import { phoneSuppressionKey } from '#domain/keys';
import type { Manifest } from '#schemas/manifest';
import { type Settings, settingsSchema } from '#schemas/settings';
import { recordCallOutcomes } from '#shared/flows/call-outcomes';
import { makeCallSheet } from '#shared/flows/call-sheet';
import { ingestListOnceHere as ingestListOnce } from '#shared/flows/ingest-list';
import { getContact } from '#store/contacts';
import { ledgerEntriesFor } from '#store/ledger';
import { objectBytes, objectKeys, putObject } from '#store/objects';
import { generateSecrets, loadSecrets, type Secrets } from '#store/secrets';
import { getSuppression } from '#store/suppressions';
import { recordOutcomesFiles } from '../../functions/call-outcomes/handler.ts';
import { runCampaigns } from '../../functions/send-campaign/handler.ts';
import { hygieneInProcess } from '../support/cli.ts';
import { useEmulators } from '../support/emulators.ts';
import { s3Event, sha256, uploadList } from '../support/lists.ts';
import { type CapturedLogs, captureLogs, PERSONAL_DATA } from '../support/logs.ts';

const run = randomBytes(3).toString('hex');
const settings: Settings = settingsSchema.parse({});
const secrets: Secrets = generateSecrets();
process.env.HYGIENE_SECRETS = JSON.stringify(secrets);
let logs: CapturedLogs;

// Tuesday 8 December 2026, 10:00 in Paris
const sheetFrom = new Date('2026-12-08T09:00:00Z');
const listId = `clients-${run}`;
const campaignId = `rappel-${run}`;
const number = (n: number) => `06 12 34 56 ${String(n).padStart(2, '0')}`;
const e164 = (n: number) => `+336123456${String(n).padStart(2, '0')}`;
const keyOf = (n: number) => phoneSuppressionKey(e164(n), secrets.suppressionKeySecret) as string;

// the list (header line 1): each person's phone fate is in the comment
const rows = [
  'email;telephone;prenom;nom;date_consentement;canaux_consentement;contrat_en_cours;date_dernier_achat',
  `lea-${run}@gmail.com;${number(1)};Léa;Moreau;2026-03-01;email+phone;;`, // line 2: consent to calls
  `;${number(2)};Paul;Girard;;;oui;2026-06-01`, // line 3: contract in progress
  `marie-${run}@gmail.com;${number(3)};Marie;Petit;2026-03-01;email;;`, // line 4: consent to email only
  `;${number(4)};Jean;Roux;2026-03-01;phone;;`, // line 5: will refuse
  `;${number(5)};Luc;Blanc;2026-03-01;phone;;`, // line 6: will be called 4 times
  `nina-${run}@gmail.com;;Nina;Faure;;;;2026-05-01`, // line 7: a customer with no number
];
const data = Buffer.from(`${rows.join('\r\n')}\r\n`, 'utf8');
const manifest: Manifest = {
  version: 1,
  listId,
  dataFile: 'clients.csv',
  sha256: sha256(data),
  advertiser: 'Acme SAS',
  purpose: 'commercial-prospecting',
  audience: 'consumer',
  channels: ['email', 'phone'],
  collected: { from: '2025-01-01', to: '2026-11-30' },
  source: { kind: 'own-customers', customerOf: 'Acme SAS' },
  consent: {
    mechanism: 'double-opt-in',
    wording: "J'accepte d'être contacté par Acme SAS par e-mail et par téléphone.",
    wordingVersion: 'v4',
    collectionPoint: 'https://acme.fr/compte',
    scope: 'advertiser',
    namedPartners: [],
  },
  notice: { informedAtCollection: true, optOutOfferedAtCollection: true },
};
const campaign = {
  campaignId,
  advertiser: 'Acme SAS',
  purpose: 'commercial-prospecting',
  channel: 'phone',
  relatedToContract: true,
  productCategory: 'abonnement',
  audience: { lists: [listId] },
};

const outcomes = [
  'called_at,number,outcome',
  `2026-12-08T10:05:00+01:00,${number(4)},refused`,
  `2026-12-08 10:10,${e164(5)},no-answer`,
  `2026-12-08 10:20,${number(5)},no-answer`,
  `2026-12-08 14:05,${number(5)},answered`,
  `2026-12-09 10:00,${number(5)},no-answer`,
  `2026-12-09 11:30,${number(1)},callback`,
  `2026-12-09 11:45,${number(2)},answered`,
].join('\n');
const recordedAt = new Date('2026-12-09T12:00:00Z');

let first: CallSheet;

beforeAll(async () => {
  await useEmulators();
  expect(await loadSecrets()).toEqual(secrets);
  logs = captureLogs();
  await ingestListOnce(await uploadList(manifest, data), settings, new Date('2026-12-01T09:00:00Z'));
  first = await makeCallSheet(campaign, { from: sheetFrom, days: 3, settings });
}, 60_000);

afterAll(() => logs.restore());

describe('the call sheet (rules.md §6b, design.md §3.5)', () => {
  it('names who may be called, with the number in E.164 and in French form, name and list line', () => {
    expect(first.status).toBe('accepted');
    expect(first.calls.map((c) => c.line)).toEqual([2, 3, 5, 6]);
    expect(first.calls[0]).toMatchObject({
      listId,
      line: 2,
      number: e164(1),
      national: '06 12 34 56 01',
      firstName: 'Léa',
      lastName: 'Moreau',
    });
    expect(first.counts).toEqual({ call: 4, skip: 2, defer: 0 });
  });

  it('gives consumers Mon–Fri 10:00–13:00 and 14:00–20:00 Paris slots over the sheet days', () => {
    expect(first.calls[0]?.slots).toEqual([
      { from: '2026-12-08T09:00:00.000Z', to: '2026-12-08T12:00:00.000Z' },
      { from: '2026-12-08T13:00:00.000Z', to: '2026-12-08T19:00:00.000Z' },
      { from: '2026-12-09T09:00:00.000Z', to: '2026-12-09T12:00:00.000Z' },
      { from: '2026-12-09T13:00:00.000Z', to: '2026-12-09T19:00:00.000Z' },
      { from: '2026-12-10T09:00:00.000Z', to: '2026-12-10T12:00:00.000Z' },
      { from: '2026-12-10T13:00:00.000Z', to: '2026-12-10T19:00:00.000Z' },
    ]);
  });

  it('says why each other contact is left out', () => {
    expect(first.decisions.map((d) => [d.line, d.status, d.reasons])).toEqual([
      [4, 'skip', ['CONSENT_WRONG_CHANNEL']],
      [7, 'skip', ['NO_CONSENT']],
    ]);
  });

  it('is written to the bucket as JSON and as a CSV the sales team opens in Excel', async () => {
    const json = JSON.parse((await objectBytes(objectKeys.callSheet(campaignId, 'json'))).toString('utf8'));
    expect(json.counts).toEqual(first.counts);
    const csv = (await objectBytes(objectKeys.callSheet(campaignId, 'csv'))).toString('utf8');
    expect(csv.startsWith('\ufeffnumber;national;first_name')).toBe(true);
    expect(csv).toContain(`${e164(1)};06 12 34 56 01;Léa;Moreau;;;${listId};2;mar. 08/12/2026 10:00–13:00 | `);
  });

  it('a contract basis is called only by a campaign related to the contract', async () => {
    const unrelated = await makeCallSheet(
      { ...campaign, campaignId: `autre-${run}`, relatedToContract: false },
      { from: sheetFrom, days: 3, settings },
    );
    expect(unrelated.decisions.find((d) => d.line === 3)).toMatchObject({
      status: 'skip',
      reasons: ['CONTRACT_UNRELATED'],
    });
  });
});

describe('outcomes (rules.md §6b)', () => {
  it('a file with malformed lines is refused line by line, and nothing of it is applied', async () => {
    const bad = [
      'called_at;number;outcome',
      `2026-12-08 10:00;${number(1)};refused`,
      '2026-12-08 10:00;12;answered',
      `2026-12-08 10:00;${number(2)};maybe`,
      `31/02/2026;${number(2)};answered`,
      `2027-12-08 10:00;${number(2)};answered`,
    ].join('\n');
    const report = await recordCallOutcomes(campaignId, Buffer.from(bad), {
      now: recordedAt,
      settings,
      suppressionKeySecret: secrets.suppressionKeySecret,
    });
    expect(report.status).toBe('rejected');
    expect(report.errors.map((e) => e.line)).toEqual([3, 4, 5, 6]);
    expect(report.errors[0]?.error).toBe('number : pas un numéro de téléphone');
    expect(JSON.stringify(report)).not.toMatch(PERSONAL_DATA);
    // line 2 was valid, but the file was not applied: Léa is not opposed
    expect(await getSuppression(keyOf(1))).toBeUndefined();
  });

  it('records refusals as oppositions with their ledger entry, calls for the cap, callbacks as activity', async () => {
    const report = await recordCallOutcomes(campaignId, Buffer.from(outcomes), {
      now: recordedAt,
      settings,
      suppressionKeySecret: secrets.suppressionKeySecret,
    });
    expect(report).toMatchObject({
      status: 'recorded',
      counts: {
        lines: 7,
        byOutcome: { refused: 1, 'no-answer': 3, answered: 2, callback: 1 },
        oppositions: 1,
        unknownNumbers: 0,
      },
    });
    expect(await getSuppression(keyOf(4))).toMatchObject({ reason: 'OPPOSED', sources: ['call-refused'] });
    const evidence = await ledgerEntriesFor(keyOf(4));
    expect(evidence).toContainEqual(
      expect.objectContaining({
        type: 'opposition-recorded',
        payload: expect.objectContaining({ source: 'call-refused', channel: 'phone', campaignId }),
      }),
    );
    expect((await getContact(keyOf(5)))?.recentCalls).toHaveLength(4);
    // Léa is keyed by her email; her number reaches her through the byPhoneKey index
    const lea = await getContact(keyOf(1));
    expect(lea).toBeUndefined();
    const byEmail = first.calls[0]?.suppressionKey as string;
    const leaContact = await getContact(byEmail);
    expect(leaContact?.lastActivityAt).toBe('2026-12-09T10:30:00.000Z');
    expect(leaContact?.recentCalls).toBeUndefined();
  });

  it('recording the same file again changes nothing twice', async () => {
    const again = await recordCallOutcomes(campaignId, Buffer.from(outcomes), {
      now: recordedAt,
      settings,
      suppressionKeySecret: secrets.suppressionKeySecret,
    });
    expect(again.counts.contactsUpdated).toBe(0);
    expect((await getContact(keyOf(5)))?.recentCalls).toHaveLength(4);
    const evidence = (await ledgerEntriesFor(keyOf(4))).filter((e) => e.type === 'opposition-recorded');
    expect(evidence).toHaveLength(1);
  });

  it('the next sheet: the refuser is gone, the capped one deferred until the cap lifts', async () => {
    const next = await makeCallSheet(campaign, { from: new Date('2026-12-10T09:00:00Z'), days: 5, settings });
    expect(next.calls.map((c) => c.line)).toEqual([2, 3]);
    expect(next.decisions.find((d) => d.line === 5)).toMatchObject({ status: 'skip', reasons: ['OPPOSED'] });
    expect(next.decisions.find((d) => d.line === 6)).toMatchObject({
      status: 'defer',
      reasons: ['FREQ_CAP'],
      // the first of the four calls (8 Dec 10:10 Paris) leaves the 30 days on 7 January, 10:10
      notBefore: '2027-01-07T09:10:00.000Z',
    });
  });

  it('an outcomes file uploaded under outcomes/ is recorded by the function; its report is in the bucket', async () => {
    const other = `relance-${run}`;
    const key = objectKeys.callOutcomes(other);
    await putObject(key, Buffer.from(`called_at,number,outcome\n2026-12-09 09:30,${number(2)},refused\n`), 'text/csv');
    await recordOutcomesFiles(s3Event(process.env.BUCKET_NAME as string, key), recordedAt);
    expect(await getSuppression(keyOf(2))).toMatchObject({ reason: 'OPPOSED' });
    const report = JSON.parse((await objectBytes(objectKeys.callOutcomesReport(other))).toString('utf8'));
    expect(report).toMatchObject({ campaignId: other, status: 'recorded', counts: { oppositions: 1 } });
  });

  it('a phone campaign uploaded under campaigns/ gets its call sheet from the campaign function', async () => {
    const id = `fiche-${run}`;
    const key = `campaigns/${id}.json`;
    await putObject(key, Buffer.from(JSON.stringify({ ...campaign, campaignId: id })), 'application/json');
    await runCampaigns(s3Event(process.env.BUCKET_NAME as string, key));
    const sheet = JSON.parse((await objectBytes(objectKeys.callSheet(id, 'json'))).toString('utf8')) as CallSheet;
    expect(sheet.campaignId).toBe(id);
    expect(sheet.status).toBe('accepted');
  });

  it('no phone number or address in the logs', () => {
    expect(logs.text()).not.toMatch(PERSONAL_DATA);
  });
});

describe('hygiene calls (design.md §3.4)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'calls-'));
  });

  it('prints the sheet as JSON, and writes the CSV with --out', async () => {
    const path = join(dir, 'campaign.json');
    await writeFile(path, JSON.stringify({ ...campaign, campaignId: `cli-${run}` }));
    const out = join(dir, 'fiche.csv');
    const result = await hygieneInProcess(
      'calls',
      path,
      '--from',
      '2026-12-08T10:00',
      '--days',
      '3',
      '--out',
      out,
      '--json',
    );
    expect(result.code).toBe(0);
    const sheet = JSON.parse(result.stdout) as CallSheet;
    expect(sheet).toMatchObject({ campaignId: `cli-${run}`, from: '2026-12-08T09:00:00.000Z', days: 3 });
    expect(sheet.calls.length + sheet.counts.skip + sheet.counts.defer).toBe(6);
    expect((await readFile(out, 'utf8')).split('\r\n')[0]).toBe(
      '\ufeffnumber;national;first_name;last_name;company;job_title;list_id;line;slots_europe_paris',
    );
  });

  it('speaks French on a terminal', async () => {
    const path = join(dir, 'campaign.json');
    const result = await hygieneInProcess('calls', path, '--from', '2026-12-08T10:00', '--days', '3');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Fiche d'appels cli-${run} : ACCEPTÉE, du mar. 08/12/2026 à 10:00 sur 3 jour(s)`);
    expect(result.stdout).toMatch(/À appeler : \d+ — écartés \d+, reportés \d+/);
  });

  it('an email campaign is a usage error (exit 2)', async () => {
    const path = join(dir, 'email.json');
    await writeFile(path, JSON.stringify({ ...campaign, channel: 'email' }));
    const result = await hygieneInProcess('calls', path);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("une fiche d'appels est pour une campagne d'appels");
  });

  it('--days outside 1 to 31 is a usage error (exit 2), said in French', async () => {
    const result = await hygieneInProcess('calls', join(dir, 'campaign.json'), '--days', '40');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('hygiene calls : --days : un nombre entier de 1 à 31\n');
  });

  it('calls record: the file is named after its campaign; a malformed one is refused (exit 1) line by line', async () => {
    const wrong = join(dir, 'Outcomes Dec.csv');
    await writeFile(wrong, 'called_at,number,outcome\n');
    const misnamed = await hygieneInProcess('calls', 'record', wrong);
    expect(misnamed.code).toBe(2);
    expect(misnamed.stderr).toBe(
      `hygiene calls : ${wrong} : le fichier des résultats porte le nom de sa campagne, <campaignId>.csv : renommez-le\n`,
    );
    const bad = join(dir, `${campaignId}.csv`);
    await writeFile(
      bad,
      `called_at,number,outcome\n2026-12-09 10:00,${number(1)},answered\n2026-12-09 10:00,${number(1)},oui\n`,
    );
    const result = await hygieneInProcess('calls', 'record', bad, '--now', '2026-12-09T12:00:00Z');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("REFUSÉS, rien n'a été appliqué");
    expect(result.stdout).toContain(
      'ligne 3 : outcome : attendu répondu, pas de réponse, refus ou rappel (answered, no-answer, refused, callback)',
    );
    expect(result.stdout).not.toMatch(PERSONAL_DATA);
  });

  it('calls record: a good file is recorded (exit 0)', async () => {
    const good = join(dir, `${campaignId}.csv`);
    await writeFile(good, `called_at;number;outcome\n2026-12-09 11:00;${number(6)};refused\n`);
    const result = await hygieneInProcess('calls', 'record', good, '--now', '2026-12-09T12:00:00Z', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      status: 'recorded',
      counts: { oppositions: 1, unknownNumbers: 1 },
    });
    expect(await getSuppression(keyOf(6))).toMatchObject({ reason: 'OPPOSED' });
  });
});
