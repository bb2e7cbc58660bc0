import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import iconv from 'iconv-lite';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkList } from '#cli/check';
import type { ListReport } from '#domain/contact';
import { emailSuppressionKey } from '#domain/keys';
import { defaultSettings } from '#schemas/settings';
import { type IngestOptions, ingestListOnceHere, runRangesHere } from '#shared/flows/ingest-list';
import { contactsTableName, getContact, putNewContacts, updateContact } from '#store/contacts';
import { scanAllItems } from '#store/dynamo-batch';
import { ledgerEntriesFor } from '#store/ledger';
import { listMemberPages } from '#store/list-members';
import { getList } from '#store/lists';
import { listObjects, objectBytes, objectExists, objectKeys } from '#store/objects';
import { loadSecrets } from '#store/secrets';
import { putSuppression } from '#store/suppressions';
import type { ProvisionedNames } from '../../cli/local/provision.ts';
import { handleS3Event as handleS3EventWith } from '../../functions/ingest-list/handler.ts';
import { useEmulators } from '../support/emulators.ts';
import { importEvidenceKeys, NEWSLETTER, s3Event, tradeShowManifest, uploadList } from '../support/lists.ts';
import { captureLogs, PERSONAL_DATA } from '../support/logs.ts';
import { consentProof, contact } from '../unit/domain/fixtures.ts';

const now = new Date('2026-11-20T10:00:00Z');
const context = {
  getRemainingTimeInMillis: () => 60_000,
  functionName: 'ingest',
  awsRequestId: 'r',
} as unknown as Context;

const MIXED = [
  'email;first_name;last_name;company;job_title',
  'jean.dupont@btp-durand.fr;Jean;Dupont;BTP Durand;Responsable achats',
  'contact@btp-durand.fr;;;BTP Durand;',
  'marie.curie@gmail.com;Marie;Curie;;',
  'pas-une-adresse;;;;',
  'Jean.Dupont@BTP-Durand.fr;Jean;Dupont;BTP Durand;Acheteur',
  'opposed.person@client-b.fr;Paul;"Martin; fils";Client B;Directeur achats',
  'sophie.leroy@client-b.fr;Sophie;Leroy;Client B;Responsable services généraux',
  '',
].join('\n');

/** The S3 trigger, its ranges run in this process (the local stack's runner). */
const handleS3Event = (event: unknown, ctx: Context) =>
  handleS3EventWith(event, ctx, (plan) => runRangesHere(plan, defaultSettings));
const ingestListOnce = (key: string, settings: typeof defaultSettings, at: Date, options: IngestOptions = {}) =>
  ingestListOnceHere(key, settings, at, options);

async function membersOf(listId: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of listMemberPages(listId)) keys.push(...page.map((m) => m.suppressionKey));
  return keys.sort();
}

async function reportOf(listId: string): Promise<ListReport> {
  return JSON.parse((await objectBytes(objectKeys.report(listId))).toString('utf8')) as ListReport;
}

describe('S3 list ingestion (DynamoDB Local + s3rver)', () => {
  let names: ProvisionedNames;
  let secret: string;
  beforeAll(async () => {
    names = await useEmulators();
    secret = (await loadSecrets()).suppressionKeySecret;
  });

  it('a mixed list end to end: table and report match the offline check of the same list', async () => {
    const data = Buffer.from(MIXED);
    const manifest = tradeShowManifest('salon-mixte', data);
    await putSuppression({
      suppressionKey: emailSuppressionKey('opposed.person@client-b.fr', secret) as string,
      reason: 'OPPOSED',
      source: 'one-click',
      at: new Date('2026-01-01T00:00:00Z'),
    });
    const key = await uploadList(manifest, data);
    await handleS3Event(s3Event(names.bucket, key), context);

    const report = await reportOf('salon-mixte');
    expect(report.status).toBe('accepted');
    const byLine = Object.fromEntries(report.decisions.map((d) => [d.line, d]));
    expect(byLine[2]).toMatchObject({ status: 'accepted', kind: 'professional', bases: { email: 'b2b-interest' } });
    expect(byLine[3]).toMatchObject({ status: 'accepted', kind: 'generic', bases: { email: 'legal-person' } });
    expect(byLine[4]).toMatchObject({ status: 'rejected', kind: 'consumer' });
    expect(byLine[4]?.reasons?.[0]).toBe('NO_CONSENT');
    expect(byLine[5]?.reasons?.[0]).toBe('ADDRESS_INVALID');
    expect(byLine[6]?.reasons?.[0]).toBe('DUPLICATE');
    expect(byLine[7]?.reasons?.[0]).toBe('OPPOSED');
    expect(byLine[8]).toMatchObject({ status: 'accepted' });

    // the offline check of the same files decides the same (suppressions aside: offline has no store)
    const dir = await mkdtemp(join(tmpdir(), 'check-'));
    await writeFile(join(dir, 'contacts.csv'), data);
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const offline = await checkList(join(dir, 'manifest.json'), { now, settings: defaultSettings });
    const strip = (r: ListReport) => r.decisions.filter((d) => d.line !== 7).map(({ expiresAt: _e, ...d }) => d);
    expect(strip(report)).toEqual(strip(offline));

    const contacts = await scanAllItems(contactsTableName());
    expect(contacts.map((c) => c.suppressionKey).sort()).toEqual(
      ['jean.dupont@btp-durand.fr', 'contact@btp-durand.fr', 'sophie.leroy@client-b.fr']
        .map((a) => emailSuppressionKey(a, secret))
        .sort(),
    );
    const jean = await getContact(emailSuppressionKey('jean.dupont@btp-durand.fr', secret) as string);
    expect(jean).toMatchObject({ kind: 'professional', listId: 'salon-mixte', bases: { email: 'b2b-interest' } });
    expect(jean?.ttl).toBeGreaterThan(Date.parse(jean?.expiresAt ?? '') / 1000);
    expect(jean?.expiryBucket).toMatch(/^\d{4}-\d{2}#\d$/);
    // nothing written for the opposed row
    expect(await getContact(emailSuppressionKey('opposed.person@client-b.fr', secret) as string)).toBeUndefined();

    const list = await getList('salon-mixte');
    expect(list).toMatchObject({ status: 'accepted', rows: { total: 7, accepted: 3, rejected: 4 } });
    const rejected = (await objectBytes(objectKeys.rejected('salon-mixte'))).toString('utf8');
    expect(rejected.split('\r\n')[0]).toBe('\uFEFFemail;first_name;last_name;company;job_title;reasons');
    // the list's members: the contacts it brought
    expect(await membersOf('salon-mixte')).toEqual(contacts.map((c) => c.suppressionKey as string).sort());
    // the run's working objects are gone once the report is whole
    expect(await listObjects('reports/salon-mixte/parts/')).toEqual([]);
    expect(rejected).toContain('NO_CONSENT');
    // the page a person opens (issue 22): each rejected row's line, who it was (masked), why
    const page = (await objectBytes(objectKeys.reportHtml('salon-mixte'))).toString('utf8');
    const rows = [...page.matchAll(/<tr><td class="num">(\d+)<\/td><td>([^<]*)<\/td><td>([A-Z_]+)/g)].map((m) =>
      m.slice(1),
    );
    expect(rows).toEqual([
      ['4', 'm***@gmail.com', 'NO_CONSENT'],
      ['5', 'p***', 'ADDRESS_INVALID'],
      ['6', 'J***@BTP-Durand.fr', 'DUPLICATE'],
      ['7', 'o***@client-b.fr', 'OPPOSED'],
    ]);
    expect(page).not.toMatch(/[a-z0-9._-]{2,}@[a-z0-9.-]+\.[a-z]{2,}/i);
  });

  it('the same list twice and the S3 event delivered twice change nothing', async () => {
    const data = Buffer.from(MIXED.replace(/salon/g, 'x'));
    const manifest = tradeShowManifest('salon-twice', data);
    const key = await uploadList(manifest, data);
    await handleS3Event(s3Event(names.bucket, key), context);
    const before = await scanAllItems(contactsTableName());
    await handleS3Event(s3Event(names.bucket, key), context);
    await uploadList(manifest, data); // the operator uploads it again
    await handleS3Event(s3Event(names.bucket, key), context);
    const after = await scanAllItems(contactsTableName());
    expect(after).toEqual(before);
  });

  it('a range that fails on every attempt: the list is marked failed, no report; the retry completes it, evidence once', async () => {
    const listId = 'salon-crash';
    const rows = ['email;company;job_title'];
    for (let i = 0; i < 3000; i++) rows.push(`p${i}.nom@societe-${i % 40}.fr;Societe ${i % 40};Responsable achats`);
    const data = Buffer.from(`${rows.join('\n')}\n`);
    const key = await uploadList(tradeShowManifest(listId, data), data);
    // ≈ 50 KB a range: several ranges, one of which always fails past its 500th row
    const rangeBytes = 50_000;
    await expect(
      ingestListOnce(key, defaultSettings, now, {
        rangeBytes,
        onProgress: (done) => {
          if (done >= 500) throw new Error('injected crash');
        },
      }),
    ).rejects.toThrow('injected crash');
    // a failed run leaves no report, not half of one; the list says it failed, and why (no row content)
    expect(await objectExists(objectKeys.report(listId))).toBe(false);
    expect(await objectExists(objectKeys.rejected(listId))).toBe(false);
    expect(await getList(listId)).toMatchObject({ status: 'failed', failure: 'Error: injected crash' });
    const partial = (await scanAllItems(contactsTableName())).filter((c) => c.listId === listId);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(3000);

    const result = await ingestListOnce(key, defaultSettings, now, { rangeBytes });
    expect(result.rows).toEqual({ total: 3000, accepted: 3000, rejected: 0 });
    expect(result.contactsWritten).toBe(3000 - partial.length);
    expect(await getList(listId)).toMatchObject({ status: 'accepted' });
    expect((await getList(listId))?.ranges).toBeGreaterThan(1);
    const all = (await scanAllItems(contactsTableName())).filter((c) => c.listId === listId);
    expect(all).toHaveLength(3000);
    // the import evidence too: each contact once, though the failed run had appended some of it
    const evidenced = await importEvidenceKeys(listId);
    expect(evidenced).toHaveLength(3000);
    expect(new Set(evidenced).size).toBe(3000);
    expect(await membersOf(listId)).toHaveLength(3000);
  });

  it('the finish step retried after it completed: the same result, one list-accepted entry', async () => {
    const data = Buffer.from('email;job_title\nodile.faure@menuiserie-faure.fr;Acheteuse\n');
    const first = await ingestListOnce(
      await uploadList(tradeShowManifest('finish-twice', data), data),
      defaultSettings,
      now,
    );
    const run = (await getList('finish-twice'))?.run as string;
    const { finishIngestion } = await import('#shared/flows/ingest-finish');
    const again = await finishIngestion(objectKeys.plan('finish-twice', run));
    expect(again).toMatchObject({ status: 'accepted', rows: first.rows });
    const accepted = (await ledgerEntriesFor('list#finish-twice')).filter((e) => e.type === 'list-accepted');
    expect(accepted).toHaveLength(1);
  });

  it('a big consent list: its import evidence fits the ledger (one entry per 1,000 rows)', async () => {
    const rows = ['email;phone;consent_at'];
    for (let i = 0; i < 1_300; i++)
      rows.push(
        `prenom.nom${i}@gmail.com;06 12 34 ${String(i)
          .padStart(4, '0')
          .replace(/(..)(..)/, '$1 $2')};2026-10-02`,
      );
    const data = Buffer.from(`${rows.join('\n')}\n`);
    const manifest = tradeShowManifest('newsletter-big', data, NEWSLETTER);
    const result = await ingestListOnce(await uploadList(manifest, data), defaultSettings, now);
    expect(result.rows).toEqual({ total: 1_300, accepted: 1_300, rejected: 0 });
    const imports = (await ledgerEntriesFor('list#newsletter-big')).filter((e) => e.type === 'contact-imported');
    expect(imports.map((e) => (e.payload as { contacts: unknown[] }).contacts.length).sort()).toEqual([1000, 300]);
  });

  it('a merge racing an expiry extension (an SES click) keeps the later expiry and the new list', async () => {
    const first = Buffer.from('email;job_title\nclaire.moreau@fabrique.fr;Acheteuse\n');
    await ingestListOnce(await uploadList(tradeShowManifest('merge-a', first), first), defaultSettings, now);
    const k = emailSuppressionKey('claire.moreau@fabrique.fr', secret) as string;
    const extended = '2031-06-01T00:00:00.000Z';
    const second = Buffer.from('email;job_title\nclaire.moreau@fabrique.fr;Acheteuse\n');
    const keyB = await uploadList(tradeShowManifest('merge-b', second), second);
    await Promise.all([
      ingestListOnce(keyB, defaultSettings, now),
      updateContact(
        k,
        (c) => ({ ...c, expiresAt: extended, lastActivityAt: '2028-06-01T00:00:00.000Z' }),
        defaultSettings,
      ),
    ]);
    const merged = await getContact(k);
    expect(merged?.expiresAt).toBe(extended);
    expect(merged?.listIds).toEqual(expect.arrayContaining(['merge-a', 'merge-b']));
    // list membership as data: the person is a member of both lists
    expect(await membersOf('merge-a')).toEqual([k]);
    expect(await membersOf('merge-b')).toEqual([k]);
  });

  it('a contact stored outside any import (a restored backup, a hand-written item) is merged, never replaced: a consumer stays a consumer', async () => {
    const k = emailSuppressionKey('jeanne.roux@atelier-roux.fr', secret) as string;
    await putNewContacts(
      [
        contact({
          suppressionKey: k,
          email: 'jeanne.roux@atelier-roux.fr',
          listId: 'restored',
          listIds: ['restored'],
          lastActivityAt: '2026-09-01T00:00:00.000Z',
          consent: consentProof({ listId: 'restored' }),
        }),
      ],
      defaultSettings,
    );
    const data = Buffer.from('email;job_title\njeanne.roux@atelier-roux.fr;Acheteuse\n');
    const result = await ingestListOnce(
      await uploadList(tradeShowManifest('after-restore', data), data),
      defaultSettings,
      now,
    );
    expect(result.rows.accepted).toBe(1);
    const merged = await getContact(k);
    // rules.md §0.1: a b2b-interest basis never carries over to a consumer
    expect(merged).toMatchObject({
      kind: 'consumer',
      bases: { email: 'consent' },
      lastActivityAt: '2026-09-01T00:00:00.000Z',
    });
    expect(merged?.listIds.sort()).toEqual(['after-restore', 'restored']);
    expect(merged?.consent?.listId).toBe('restored');
  });

  it('a stored opposition (email or phone key) or bounce rejects the row; nothing is written for it (rules.md §4 R3)', async () => {
    const listId = 'r3-store';
    const data = Buffer.from(
      [
        'email;phone;job_title',
        'ok@forge-olivier.fr;;Acheteur',
        'opposed@forge-olivier.fr;;Acheteur',
        'bounced@forge-olivier.fr;;Acheteur',
        'stop@forge-olivier.fr;06 44 55 66 01;Acheteur',
        '',
      ].join('\n'),
    );
    const { phoneSuppressionKey } = await import('#domain/keys');
    const suppressed = [
      { key: emailSuppressionKey('opposed@forge-olivier.fr', secret), reason: 'OPPOSED' as const },
      { key: emailSuppressionKey('bounced@forge-olivier.fr', secret), reason: 'BOUNCED' as const },
      { key: phoneSuppressionKey('+33644556601', secret), reason: 'OPPOSED' as const },
    ];
    for (const { key, reason } of suppressed) {
      await putSuppression({
        suppressionKey: key as string,
        reason,
        source: reason === 'BOUNCED' ? 'hard-bounce' : 'sms-stop',
        at: new Date('2026-01-01T00:00:00Z'),
      });
    }
    const key = await uploadList(tradeShowManifest(listId, data, { channels: ['email', 'sms'] }), data);
    const result = await ingestListOnce(key, defaultSettings, now);
    expect(result.byReason).toEqual({ OPPOSED: 2, BOUNCED: 1 });
    const stored = (await scanAllItems(contactsTableName())).filter((c) => c.listId === listId);
    expect(stored.map((c) => c.suppressionKey)).toEqual([emailSuppressionKey('ok@forge-olivier.fr', secret)]);
  });

  it('an import repairs, never resurrects: a stored contact whose person opposed since is deleted, with its receipt', async () => {
    const first = Buffer.from('email;job_title\nremi.blanc@menuiserie-blanc.fr;Acheteur\n');
    await ingestListOnce(await uploadList(tradeShowManifest('repair-a', first), first), defaultSettings, now);
    const k = emailSuppressionKey('remi.blanc@menuiserie-blanc.fr', secret) as string;
    expect(await getContact(k)).toBeDefined();
    // an unsubscribe leaves the contact in place (the send gate reads the opposition)…
    await putSuppression({ suppressionKey: k, reason: 'OPPOSED', source: 'one-click', at: now });
    expect(await getContact(k)).toBeDefined();
    // …until a list brings the person again: the row is OPPOSED and the stored contact goes
    const second = Buffer.from('email;job_title\nremi.blanc@menuiserie-blanc.fr;Acheteur\n');
    const result = await ingestListOnce(
      await uploadList(tradeShowManifest('repair-b', second), second),
      defaultSettings,
      now,
    );
    expect(result.byReason).toEqual({ OPPOSED: 1 });
    expect(await getContact(k)).toBeUndefined();
    expect(await membersOf('repair-a')).toEqual([]);
    const receipts = (await ledgerEntriesFor(k)).filter((e) => e.type === 'contact-purged');
    expect(receipts).toHaveLength(1);
    expect(receipts[0]?.payload).toMatchObject({ reason: 'suppressed', by: 'import', listId: 'repair-b' });
  });

  it('an export’s opt-outs (rules.md §4b) are recorded with their evidence: a later list cannot bring the person back', async () => {
    const consent = { ...NEWSLETTER, collected: { from: '2026-01-01', to: '2026-10-05' } };
    // first, a clean list that stores the person who will opt out at Brevo
    const before = Buffer.from('email;phone;date_consentement\nmarc.diaz@gmail.com;0612345681;2026-03-01\n');
    await ingestListOnce(
      await uploadList(tradeShowManifest('brevo-before', before, consent), before),
      defaultSettings,
      now,
    );
    const marc = emailSuppressionKey('marc.diaz@gmail.com', secret) as string;
    expect(await getContact(marc)).toBeDefined();

    const brevo = Buffer.from(
      [
        'EMAIL;SMS;PRENOM;NOM;DATE_CONSENTEMENT;EMAIL_BLACKLISTED;SMS_BLACKLISTED',
        'paul.roux@gmail.com;33612345679;Paul;Roux;2026-03-01 10:00:00;Yes;No',
        'marc.diaz@gmail.com;33612345681;Marc;Diaz;2026-03-01 10:00:00;Yes;Yes',
        '',
      ].join('\n'),
    );
    const result = await ingestListOnce(
      await uploadList(tradeShowManifest('brevo-export', brevo, consent), brevo),
      defaultSettings,
      now,
    );
    expect(result.byReason).toEqual({ OPPOSED: 1 });
    const { getSuppression } = await import('#store/suppressions');
    const { phoneSuppressionKey } = await import('#domain/keys');
    const paul = emailSuppressionKey('paul.roux@gmail.com', secret) as string;
    for (const key of [paul, marc, phoneSuppressionKey('+33612345681', secret) as string]) {
      expect(await getSuppression(key)).toMatchObject({ reason: 'OPPOSED', sources: ['import'] });
      expect((await ledgerEntriesFor(key)).filter((e) => e.type === 'opposition-recorded')).toHaveLength(1);
    }
    // Paul's SMS stays open: his number was not blacklisted
    expect(await getSuppression(phoneSuppressionKey('+33612345679', secret) as string)).toBeUndefined();
    // the person stored before is gone (an import repairs)
    expect(await getContact(marc)).toBeUndefined();

    // a later list without any status brings nobody back
    const later = Buffer.from('email;phone;date_consentement\nmarc.diaz@gmail.com;0612345681;2026-03-01\n');
    const again = await ingestListOnce(
      await uploadList(tradeShowManifest('brevo-later', later, consent), later),
      defaultSettings,
      now,
    );
    expect(again.byReason).toEqual({ OPPOSED: 1 });
    expect(await getContact(marc)).toBeUndefined();
  });

  describe('an erasure or a hard bounce recorded during the import (what the flows do: suppress, then delete)', () => {
    const rowsOf = (tag: string) => {
      const rows = ['email;company;job_title'];
      for (let i = 0; i < 3000; i++) rows.push(`late${i}.${tag}@societe-${i % 7}.fr;Societe ${i % 7};Acheteur`);
      return Buffer.from(`${rows.join('\n')}\n`);
    };
    const keyOf = (tag: string, i: number) =>
      emailSuppressionKey(`late${i}.${tag}@societe-${i % 7}.fr`, secret) as string;
    /** Rows 0 (written already), 260 and 500 (batches in flight: read, maybe not written), 2900 (not read yet). */
    const REMOVED = [
      [0, 'hard-bounce'],
      [260, 'erasure'],
      [500, 'erasure'],
      [2900, 'erasure'],
    ] as const;
    const removeDuringImport = (tag: string) => {
      let done = false;
      return async (rowsDone: number) => {
        if (done || rowsDone < 250) return;
        done = true;
        const { deleteContact } = await import('#store/contacts');
        for (const [i, source] of REMOVED) {
          await putSuppression({
            suppressionKey: keyOf(tag, i),
            reason: source === 'hard-bounce' ? 'BOUNCED' : 'OPPOSED',
            source,
            at: now,
          });
          await deleteContact(keyOf(tag, i));
        }
        // an unsubscribe leaves the contact (the send gate reads it)
        await putSuppression({ suppressionKey: keyOf(tag, 1), reason: 'OPPOSED', source: 'one-click', at: now });
      };
    };

    it('the import succeeds: no contact of the removed people remains', async () => {
      const data = rowsOf('ok');
      const key = await uploadList(tradeShowManifest('late-ok', data), data);
      await ingestListOnce(key, defaultSettings, now, { onProgress: removeDuringImport('ok') });
      for (const [i] of REMOVED) expect(await getContact(keyOf('ok', i))).toBeUndefined();
      expect(await getContact(keyOf('ok', 1))).toBeDefined();
      expect(await getContact(keyOf('ok', 2999))).toBeDefined();
      const stored = (await scanAllItems(contactsTableName())).filter((c) => c.listId === 'late-ok');
      expect(stored).toHaveLength(3000 - REMOVED.length);
      expect(await membersOf('late-ok')).toHaveLength(3000 - REMOVED.length);
    });

    it("an erasure between a batch's reads and its writes: the contact the batch then creates is deleted again", async () => {
      const data = rowsOf('race');
      const key = await uploadList(tradeShowManifest('late-race', data), data);
      const erased = keyOf('race', 1_234);
      const { deleteContact } = await import('#store/contacts');
      let recorded = false;
      await ingestListOnce(key, defaultSettings, now, {
        beforeWrites: async (keys) => {
          if (!keys.includes(erased)) return;
          recorded = true;
          // the erasure flow: suppress, then delete (nothing to delete yet: the batch writes next)
          await putSuppression({ suppressionKey: erased, reason: 'OPPOSED', source: 'erasure', at: now });
          await deleteContact(erased);
        },
      });
      expect(recorded).toBe(true);
      expect(await getContact(erased)).toBeUndefined();
      expect(await membersOf('late-race')).not.toContain(erased);
      expect(await getContact(keyOf('race', 1_235))).toBeDefined();
      const receipts = (await ledgerEntriesFor(erased)).filter((e) => e.type === 'contact-purged');
      expect(receipts[0]?.payload).toMatchObject({ reason: 'suppressed-during-import', by: 'import' });
    });

    it('the import fails after the erasure, then is retried: no contact of the removed people remains', async () => {
      const data = rowsOf('retry');
      const key = await uploadList(tradeShowManifest('late-retry', data), data);
      const remove = removeDuringImport('retry');
      await expect(
        ingestListOnce(key, defaultSettings, now, {
          onProgress: async (rowsDone) => {
            await remove(rowsDone);
            if (rowsDone >= 1000) throw new Error('injected crash');
          },
        }),
      ).rejects.toThrow('injected crash');
      await ingestListOnce(key, defaultSettings, now);
      for (const [i] of REMOVED) expect(await getContact(keyOf('retry', i))).toBeUndefined();
      // the unsubscribed person's row is judged again: OPPOSED, and the import repairs (the contact goes)
      expect(await getContact(keyOf('retry', 1))).toBeUndefined();
      const stored = (await scanAllItems(contactsTableName())).filter((c) => c.listId === 'late-retry');
      expect(stored).toHaveLength(3000 - REMOVED.length - 1);
    });
  });

  it('two lists of the same 600 people, ingested at once: both stay on every contact, each names them all', async () => {
    const listOf = (listId: string) => {
      const rows = ['email;company;job_title'];
      for (let i = 0; i < 600; i++) rows.push(`side${i}@societe-${i % 9}.fr;Societe ${i % 9};Acheteur`);
      const data = Buffer.from(`${rows.join('\n')}\n`);
      return uploadList(tradeShowManifest(listId, data), data);
    };
    const keys = await Promise.all([listOf('side-a'), listOf('side-b')]);
    await Promise.all(keys.map((key) => ingestListOnce(key, defaultSettings, now, { rangeBytes: 8_000, workers: 2 })));
    for (let i = 0; i < 600; i++) {
      const k = emailSuppressionKey(`side${i}@societe-${i % 9}.fr`, secret) as string;
      expect((await getContact(k))?.listIds.sort()).toEqual(['side-a', 'side-b']);
    }
    expect(await membersOf('side-a')).toHaveLength(600);
    expect(await membersOf('side-b')).toHaveLength(600);
  });

  it('a list split into many ranges gets the report one worker gives, byte for byte, and the one `hygiene check` gives', async () => {
    // duplicates across ranges, quoted fields holding delimiters and line breaks, a broken
    // quote, a short row, blank lines, CRLF: every cut must fall where the reader puts one
    const lines = ['email;phone;first_name;last_name;company;job_title'];
    for (let i = 0; i < 1_200; i++) {
      const n = i % 500; // rows 500… repeat rows 0…: duplicates in later ranges
      if (i % 97 === 5)
        lines.push(`multi${n}@atelier-${n % 11}.fr;;"Anne\r\nMarie";Roy;"Atelier; ${n}";"Chargée\r\nd'achats"`);
      else if (i % 131 === 7) lines.push(`broken${n}@atelier.fr;;"Jean;Dupont;X;Acheteur`);
      else if (i % 149 === 9) lines.push(`short${n}@atelier.fr;;Jean`);
      else if (i % 173 === 11) lines.push('');
      else
        lines.push(
          `p${n}.nom@atelier-${n % 11}.fr;06 ${String(10 + (n % 89)).padStart(2, '0')} 22 33 ${String(n % 100).padStart(2, '0')};Paul;Nom;Atelier ${n % 11};Acheteur`,
        );
    }
    const data = Buffer.from(`${lines.join('\r\n')}\r\n`);
    const manifest = (listId: string) => tradeShowManifest(listId, data, { channels: ['email', 'sms'] });
    const split = await ingestListOnce(await uploadList(manifest('split-many'), data), defaultSettings, now, {
      rangeBytes: 4_000,
      workers: 4,
    });
    const whole = await ingestListOnce(await uploadList(manifest('split-one'), data), defaultSettings, now);
    expect((await getList('split-many'))?.ranges).toBeGreaterThan(10);
    expect((await getList('split-one'))?.ranges).toBe(1);
    expect(split.rows).toEqual(whole.rows);
    const text = async (listId: string) =>
      (await objectBytes(objectKeys.report(listId))).toString('utf8').replace(`"listId":"${listId}"`, '');
    expect(await text('split-many')).toBe(await text('split-one'));
    const rejected = async (listId: string) => (await objectBytes(objectKeys.rejected(listId))).toString('utf8');
    expect(await rejected('split-many')).toBe(await rejected('split-one'));

    // `hygiene check` on the same files: the same list-level verdict, the same decisions
    const dir = await mkdtemp(join(tmpdir(), 'check-'));
    await writeFile(join(dir, 'contacts.csv'), data);
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest('split-many')));
    const offline = await checkList(join(dir, 'manifest.json'), { now, settings: defaultSettings });
    const report = await reportOf('split-many');
    expect(report.decisions).toEqual(offline.decisions);
    const { decisions: _a, ...summary } = report;
    const { decisions: _b, ...offlineSummary } = offline;
    expect(summary).toEqual(offlineSummary);
    expect(report.byReason.DUPLICATE).toBeGreaterThan(100);
    expect(report.byReason.ROW_MALFORMED).toBeGreaterThan(5);
  });

  it('every example list: ingestion and `hygiene check` reach the same verdict and the same decisions', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const { putObject } = await import('#store/objects');
    const root = join(import.meta.dirname, '../../examples');
    // the folders with a list (examples/campaigns and examples/outcomes have none)
    const folders = (await readdir(root, { withFileTypes: true })).filter(
      (d) => d.isDirectory() && existsSync(join(root, d.name, 'manifest.json')),
    );
    expect(folders.length).toBeGreaterThanOrEqual(5);
    for (const folder of folders) {
      const manifestPath = join(root, folder.name, 'manifest.json');
      const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { listId: string; dataFile: string };
      // under a list id of this test's own, in its own folder (the folder names the list)
      const listId = `ex-${manifest.listId}`.slice(0, 64);
      const data = await readFile(join(root, folder.name, manifest.dataFile));
      await putObject(`incoming/${listId}/${manifest.dataFile}`, data, 'text/csv');
      await putObject(`incoming/${listId}/manifest.json`, JSON.stringify({ ...manifest, listId }), 'application/json');
      await ingestListOnce(`incoming/${listId}/manifest.json`, defaultSettings, now, { rangeBytes: 2_000, workers: 3 });
      const offline = await checkList(manifestPath, { now, settings: defaultSettings });
      const { listId: _a, ...uploaded } = await reportOf(listId);
      const { listId: _b, ...checked } = offline;
      expect(uploaded, folder.name).toEqual(checked);
    }
  });

  it('logs list ids, counts and keys, never an address or a phone number', async () => {
    const data = Buffer.from(
      'email;phone;job_title\nmarc.olivier@forge-olivier.fr;06 11 22 33 44;Acheteur\npas-une-adresse;;\n',
    );
    const key = await uploadList(tradeShowManifest('salon-logs', data, { channels: ['email', 'sms'] }), data);
    const logs = captureLogs();
    try {
      await handleS3Event(s3Event(names.bucket, key), context);
      await handleS3Event(s3Event(names.bucket, 'incoming/salon-logs/manifest.json'), context);
    } finally {
      logs.restore();
    }
    expect(logs.text()).toContain('salon-logs');
    expect(logs.text()).not.toMatch(PERSONAL_DATA);
    expect(logs.text()).not.toMatch(/[0-9a-f]{64}/);
  });

  describe('bad inputs: a report with the right reason, no contact written', () => {
    const cases: { name: string; listId: string; prepare: (key: string) => Promise<string>; reason: string }[] = [
      {
        name: 'missing data file',
        listId: 'bad-missing',
        reason: 'DATA_CHECKSUM_MISMATCH',
        prepare: async () => {
          const data = Buffer.from('email\na@b.fr\n');
          const m = tradeShowManifest('bad-missing', data, { dataFile: 'absent.csv' });
          const { putObject } = await import('#store/objects');
          await putObject('incoming/bad-missing/manifest.json', JSON.stringify(m), 'application/json');
          return 'incoming/bad-missing/manifest.json';
        },
      },
      {
        name: 'checksum mismatch',
        listId: 'bad-checksum',
        reason: 'DATA_CHECKSUM_MISMATCH',
        prepare: async () => {
          const data = Buffer.from('email\nluc.petit@garage-petit.fr\n');
          const m = tradeShowManifest('bad-checksum', data, { sha256: 'a'.repeat(64) });
          return uploadList(m, data);
        },
      },
      {
        name: 'a manifest naming another list than its folder',
        listId: 'bad-folder',
        reason: 'MANIFEST_INVALID',
        prepare: async () => {
          const data = Buffer.from('email\nluc.petit@garage-petit.fr\n');
          const m = tradeShowManifest('other-list', data);
          const { putObject } = await import('#store/objects');
          await putObject('incoming/bad-folder/contacts.csv', data, 'text/csv');
          await putObject('incoming/bad-folder/manifest.json', JSON.stringify(m), 'application/json');
          return 'incoming/bad-folder/manifest.json';
        },
      },
      {
        name: 'manifest not JSON',
        listId: 'bad-json',
        reason: 'MANIFEST_INVALID',
        prepare: async () => {
          const data = Buffer.from('email\nluc.petit@garage-petit.fr\n');
          return uploadList(tradeShowManifest('bad-json', data), data, Buffer.from('{ "version": 1, '));
        },
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const key = await c.prepare(c.listId);
        const result = await ingestListOnce(key, defaultSettings, now);
        expect(result.status).toBe('rejected');
        const report = await reportOf(c.listId);
        expect(report.reasons).toEqual([c.reason]);
        const written = (await scanAllItems(contactsTableName())).filter((x) => x.listId === c.listId);
        expect(written).toHaveLength(0);
      });
    }

    it('0 rows: accepted, an empty report, nothing written', async () => {
      const data = Buffer.from('email;company\n');
      const result = await ingestListOnce(
        await uploadList(tradeShowManifest('empty-list', data), data),
        defaultSettings,
        now,
      );
      expect(result.rows).toEqual({ total: 0, accepted: 0, rejected: 0 });
      expect((await reportOf('empty-list')).decisions).toEqual([]);
    });

    it('a UTF-8 file with a stray invalid byte: no offset is trusted, the whole file is one range, nothing lost', async () => {
      const rows = ['email;first_name;job_title', 'zoe.leger@atelier-zoe.fr;Zoé;Acheteuse'];
      for (let i = 0; i < 300; i++) rows.push(`p${i}@atelier-zoe.fr;Paul;Acheteur`);
      const head = Buffer.from(`${rows.join('\n')}\n`);
      const data = Buffer.concat([head, Buffer.from([0xff]), Buffer.from(';x;y\nlast@atelier-zoe.fr;Luc;Acheteur\n')]);
      const key = await uploadList(tradeShowManifest('stray-byte', data), data);
      const result = await ingestListOnce(key, defaultSettings, now, { rangeBytes: 1_000 });
      expect((await getList('stray-byte'))?.ranges).toBe(1);
      expect(result.rows).toEqual({ total: 303, accepted: 302, rejected: 1 });
      const zoe = await getContact(emailSuppressionKey('zoe.leger@atelier-zoe.fr', secret) as string);
      expect(zoe?.firstName).toBe('Zoé');
    });

    it('an Excel « Texte Unicode » export (UTF-16LE, tab): cut into ranges, decoded right, the report of `check`', async () => {
      const rows = ['Courriel\tPrénom\tNom\tSociété\tFonction'];
      for (let i = 0; i < 200; i++)
        rows.push(`helene${i}@cafe-creme.fr\tHélène\tLefèvre\tCafé Crème & Œuvres\tAcheteuse`);
      const data = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${rows.join('\r\n')}\r\n`, 'utf16le')]);
      const manifest = tradeShowManifest('texte-unicode', data);
      const result = await ingestListOnce(await uploadList(manifest, data), defaultSettings, now, {
        rangeBytes: 2_000,
      });
      expect((await getList('texte-unicode'))?.ranges).toBeGreaterThan(3);
      expect(result.rows).toEqual({ total: 200, accepted: 200, rejected: 0 });
      const c = await getContact(emailSuppressionKey('helene7@cafe-creme.fr', secret) as string);
      expect(c).toMatchObject({ firstName: 'Hélène', lastName: 'Lefèvre', company: 'Café Crème & Œuvres' });
      const dir = await mkdtemp(join(tmpdir(), 'check-'));
      await writeFile(join(dir, 'contacts.csv'), data);
      await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
      const offline = await checkList(join(dir, 'manifest.json'), { now, settings: defaultSettings });
      expect((await reportOf('texte-unicode')).decisions).toEqual(offline.decisions);
    });

    it('a Windows-1252 file: decoded right, accents intact', async () => {
      const data = iconv.encode(
        'Courriel;Prénom;Nom;Société;Fonction\r\nhelene.lefevre@cafe-creme.fr;Hélène;Lefèvre;Café Crème & Œuvres;Acheteuse €\r\n',
        'win1252',
      );
      const result = await ingestListOnce(
        await uploadList(tradeShowManifest('excel-1252', data), data),
        defaultSettings,
        now,
      );
      expect(result.rows.accepted).toBe(1);
      const c = await getContact(emailSuppressionKey('helene.lefevre@cafe-creme.fr', secret) as string);
      expect(c).toMatchObject({ firstName: 'Hélène', lastName: 'Lefèvre', company: 'Café Crème & Œuvres' });
    });
  });
});
