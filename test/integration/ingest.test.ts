import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import iconv from 'iconv-lite';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { checkList } from '#cli/check';
import type { ListReport } from '#domain/contact';
import { emailSuppressionKey } from '#domain/keys';
import { defaultSettings } from '#schemas/settings';
import { ingestListOnce } from '#shared/flows/ingest-once';
import { documentClient } from '#store/clients';
import { contactsTableName, getContact, updateContact } from '#store/contacts';
import { scanAllItems } from '#store/dynamo-batch';
import { declareImport, endImport, getList, runningImports } from '#store/lists';
import { objectBytes, objectExists, objectKeys } from '#store/objects';
import { loadSecrets } from '#store/secrets';
import { putSuppression } from '#store/suppressions';
import type { ProvisionedNames } from '../../cli/local/provision.ts';
import { handler, handleS3Event } from '../../functions/ingest-list/handler.ts';
import { useEmulators } from '../support/emulators.ts';
import { s3Event, tradeShowManifest, uploadList } from '../support/lists.ts';
import { captureLogs, PERSONAL_DATA } from '../support/logs.ts';

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
    expect(rejected.split('\r\n')[0]).toBe('email;first_name;last_name;company;job_title;reasons');
    expect(rejected).toContain('NO_CONSENT');
  });

  it('the same list twice and the S3 event delivered twice (through SQS) change nothing', async () => {
    const data = Buffer.from(MIXED.replace(/salon/g, 'x'));
    const manifest = tradeShowManifest('salon-twice', data);
    const key = await uploadList(manifest, data);
    const sqsEvent = {
      Records: [1, 2].map((n) => ({
        messageId: `m${n}`,
        eventSource: 'aws:sqs',
        body: JSON.stringify(s3Event(names.bucket, key)),
      })),
    };
    const first = await handler(sqsEvent, context);
    expect(first).toEqual({ batchItemFailures: [] });
    const before = await scanAllItems(contactsTableName());
    await handler(sqsEvent, context);
    await uploadList(manifest, data); // the operator uploads it again
    await handleS3Event(s3Event(names.bucket, key), context);
    const after = await scanAllItems(contactsTableName());
    expect(after).toEqual(before);
  });

  it.each(['key-snapshot', 'look-ups'] as const)(
    'a failure half-way, then a retry (contacts checked by %s): no duplicate, no missing contact',
    async (mode) => {
      const listId = `salon-crash-${mode}`;
      const rows = ['email;company;job_title'];
      for (let i = 0; i < 3000; i++) rows.push(`p${i}.nom@societe-${i % 40}.fr;Societe ${i % 40};Responsable achats`);
      const data = Buffer.from(`${rows.join('\n')}\n`);
      const manifest = tradeShowManifest(listId, data);
      const key = await uploadList(manifest, data);
      await expect(
        ingestListOnce(key, defaultSettings, now, {
          contactsCheck: mode,
          onProgress: (done) => {
            if (done >= 500) throw new Error('injected crash');
          },
        }),
      ).rejects.toThrow('injected crash');
      // the report streams to S3 as rows are decided: a run that failed leaves none, not half of one
      expect(await objectExists(objectKeys.report(listId))).toBe(false);
      expect(await objectExists(objectKeys.rejected(listId))).toBe(false);
      const partial = (await scanAllItems(contactsTableName())).filter((c) => c.listId === listId);
      expect(partial.length).toBeGreaterThan(0);
      expect(partial.length).toBeLessThan(3000);
      // the failed run is no longer declared: no later run waits for it
      expect((await runningImports()).filter((r) => r.listId === listId)).toEqual([]);
      const result = await ingestListOnce(key, defaultSettings, now, { contactsCheck: mode });
      expect(result.rows).toEqual({ total: 3000, accepted: 3000, rejected: 0 });
      expect(result.contactsWritten).toBe(3000 - partial.length);
      const all = (await scanAllItems(contactsTableName())).filter((c) => c.listId === listId);
      expect(all).toHaveLength(3000);
      // the import evidence too: each contact once, though the failed run had written some of it
      const { ledgerEntriesFor } = await import('#store/ledger');
      const evidenced = (await ledgerEntriesFor(`list#${listId}`))
        .filter((e) => e.type === 'contact-imported')
        .flatMap((e) => (e.payload as { contacts: { k: string }[] }).contacts.map((c) => c.k));
      expect(evidenced).toHaveLength(3000);
      expect(new Set(evidenced).size).toBe(3000);
    },
  );

  it('a big consent list: its import evidence fits the ledger (one entry per 1,000 contacts)', async () => {
    const rows = ['email;phone;consent_at'];
    for (let i = 0; i < 1_300; i++)
      rows.push(
        `prenom.nom${i}@gmail.com;06 12 34 ${String(i)
          .padStart(4, '0')
          .replace(/(..)(..)/, '$1 $2')};2026-10-02`,
      );
    const data = Buffer.from(`${rows.join('\n')}\n`);
    const manifest = tradeShowManifest('newsletter-big', data, {
      audience: 'consumer',
      channels: ['email', 'sms'],
      source: { kind: 'own-form' },
      consent: {
        mechanism: 'double-opt-in',
        wording: "J'accepte de recevoir les offres d'Acme SAS par e-mail et SMS.",
        wordingVersion: 'v2',
        collectionPoint: 'https://acme.fr/newsletter',
        scope: 'advertiser',
        namedPartners: [],
      },
    });
    const result = await ingestListOnce(await uploadList(manifest, data), defaultSettings, now);
    expect(result.rows).toEqual({ total: 1_300, accepted: 1_300, rejected: 0 });
    const { ledgerEntriesFor } = await import('#store/ledger');
    const imports = (await ledgerEntriesFor('list#newsletter-big')).filter((e) => e.type === 'contact-imported');
    expect(imports.map((e) => (e.payload as { contacts: unknown[] }).contacts.length).sort()).toEqual([1000, 300]);
  });

  it.each(['key-snapshot', 'look-ups'] as const)(
    'a merge racing an expiry extension (an SES click; contacts checked by %s) keeps the later expiry and the new list',
    async (mode) => {
      const first = Buffer.from(`email;job_title\nclaire.moreau.${mode}@fabrique.fr;Acheteuse\n`);
      await ingestListOnce(await uploadList(tradeShowManifest(`merge-a-${mode}`, first), first), defaultSettings, now, {
        contactsCheck: mode,
      });
      const k = emailSuppressionKey(`claire.moreau.${mode}@fabrique.fr`, secret) as string;
      const extended = '2031-06-01T00:00:00.000Z';
      const second = Buffer.from(`email;job_title\nclaire.moreau.${mode}@fabrique.fr;Acheteuse\n`);
      const manifestB = tradeShowManifest(`merge-b-${mode}`, second);
      const keyB = await uploadList(manifestB, second);
      await Promise.all([
        ingestListOnce(keyB, defaultSettings, now, { contactsCheck: mode }),
        updateContact(
          k,
          (c) => ({ ...c, expiresAt: extended, lastActivityAt: '2028-06-01T00:00:00.000Z' }),
          defaultSettings,
        ),
      ]);
      const merged = await getContact(k);
      expect(merged?.expiresAt).toBe(extended);
      expect(merged?.listIds).toEqual(expect.arrayContaining([`merge-a-${mode}`, `merge-b-${mode}`]));
    },
  );

  describe.each(['snapshot', 'look-ups'] as const)('oppositions checked by %s (rules.md §4 R3)', (mode) => {
    it('a stored opposition (email or phone key) or bounce rejects the row; nothing is written for it', async () => {
      const listId = `r3-${mode}`;
      const data = Buffer.from(
        [
          'email;phone;job_title',
          `ok.${mode}@forge-olivier.fr;;Acheteur`,
          `opposed.${mode}@forge-olivier.fr;;Acheteur`,
          `bounced.${mode}@forge-olivier.fr;;Acheteur`,
          `stop.${mode}@forge-olivier.fr;06 44 55 66 ${mode === 'snapshot' ? '01' : '02'};Acheteur`,
          '',
        ].join('\n'),
      );
      const { phoneSuppressionKey } = await import('#domain/keys');
      const suppressed = [
        { key: emailSuppressionKey(`opposed.${mode}@forge-olivier.fr`, secret), reason: 'OPPOSED' as const },
        { key: emailSuppressionKey(`bounced.${mode}@forge-olivier.fr`, secret), reason: 'BOUNCED' as const },
        {
          key: phoneSuppressionKey(`+3364455660${mode === 'snapshot' ? '1' : '2'}`, secret),
          reason: 'OPPOSED' as const,
        },
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
      const result = await ingestListOnce(key, defaultSettings, now, { suppressionCheck: mode });
      expect(result.byReason).toEqual({ OPPOSED: 2, BOUNCED: 1 });
      const stored = (await scanAllItems(contactsTableName())).filter((c) => c.listId === listId);
      expect(stored.map((c) => c.suppressionKey)).toEqual([emailSuppressionKey(`ok.${mode}@forge-olivier.fr`, secret)]);
    });

    it('a hard bounce or an erasure recorded during the import: the contact it deleted stays deleted', async () => {
      const listId = `late-${mode}`;
      const rows = ['email;company;job_title'];
      for (let i = 0; i < 3000; i++) rows.push(`late${i}.${mode}@societe-${i % 7}.fr;Societe ${i % 7};Acheteur`);
      const data = Buffer.from(`${rows.join('\n')}\n`);
      const key = await uploadList(tradeShowManifest(listId, data), data);
      const keyOf = (i: number) => emailSuppressionKey(`late${i}.${mode}@societe-${i % 7}.fr`, secret) as string;
      const { deleteContact } = await import('#store/contacts');
      let recorded = false;
      await ingestListOnce(key, defaultSettings, now, {
        suppressionCheck: mode,
        onProgress: async (done) => {
          if (recorded || done < 250) return;
          recorded = true;
          // what the SES flow and an erasure do: suppress, then delete the contact (row 1: written
          // already; row 2,901: not read yet, ≥ 8 batches of 250 later), and an unsubscribe,
          // which leaves the contact
          for (const [i, source] of [
            [0, 'hard-bounce'],
            [2900, 'erasure'],
            [1, 'one-click'],
          ] as const) {
            await putSuppression({
              suppressionKey: keyOf(i),
              reason: source === 'hard-bounce' ? 'BOUNCED' : 'OPPOSED',
              source,
              at: now,
            });
            if (source !== 'one-click') await deleteContact(keyOf(i));
          }
        },
      });
      expect(recorded).toBe(true);
      expect(await getContact(keyOf(0))).toBeUndefined();
      expect(await getContact(keyOf(2900))).toBeUndefined();
      expect(await getContact(keyOf(1))).toBeDefined();
      expect(await getContact(keyOf(2999))).toBeDefined();
      const stored = (await scanAllItems(contactsTableName())).filter((c) => c.listId === listId);
      expect(stored).toHaveLength(2998);
    });
  });

  it('a suppressions table already past the snapshot limit is not scanned at all: rows checked by look-ups', async () => {
    // a 2-row list: its limit is 4 × its estimated rows; the table holds more (this file's tests)
    for (let i = 0; i < 12; i++)
      await putSuppression({ suppressionKey: `filler-${i}`, reason: 'OPPOSED', source: 'one-click', at: now });
    await putSuppression({
      suppressionKey: emailSuppressionKey('refus@atelier-bois.fr', secret) as string,
      reason: 'OPPOSED',
      source: 'one-click',
      at: now,
    });
    const data = Buffer.from('email;job_title\nrefus@atelier-bois.fr;Acheteur\nok@atelier-bois.fr;Acheteur\n');
    const key = await uploadList(tradeShowManifest('many-oppositions', data), data);
    // every DynamoDB request the ingestion sends, as "<command> <tables>"
    const sent: string[] = [];
    const client = documentClient();
    const original = client.send.bind(client) as (...args: unknown[]) => unknown;
    const send = vi.spyOn(client, 'send').mockImplementation(((...args: unknown[]) => {
      const command = args[0] as { constructor: { name: string }; input: Record<string, unknown> };
      const tables = command.input.TableName ?? Object.keys(command.input.RequestItems ?? {}).join(',');
      sent.push(`${command.constructor.name} ${tables}`);
      return original(...args);
    }) as never);
    let result: Awaited<ReturnType<typeof ingestListOnce>>;
    try {
      result = await ingestListOnce(key, defaultSettings, now);
    } finally {
      send.mockRestore();
    }
    expect(result.byReason).toMatchObject({ OPPOSED: 1 });
    expect(result.rows).toMatchObject({ accepted: 1, rejected: 1 });
    const suppressions = String(names.env.SUPPRESSIONS_TABLE);
    expect(sent.filter((s) => s.startsWith('ScanCommand') && s.includes(suppressions))).toEqual([]);
    expect(sent).toContain(`BatchGetCommand ${suppressions}`);
  });

  describe('runs side by side: new contacts written blind only by a run alone (contacts-check.ts)', () => {
    const listOf = (listId: string, from: number, to: number) => {
      const rows = ['email;company;job_title'];
      for (let i = from; i < to; i++) rows.push(`side${i}@societe-${i % 9}.fr;Societe ${i % 9};Acheteur`);
      const data = Buffer.from(`${rows.join('\n')}\n`);
      return uploadList(tradeShowManifest(listId, data), data);
    };
    const keyOf = (i: number) => emailSuppressionKey(`side${i}@societe-${i % 9}.fr`, secret) as string;
    /** Ingests two lists at once; returns how each run said it checked contacts at its start. */
    const ingestSideBySide = async (keys: string[], contactsCheck: 'key-snapshot' | 'look-ups') => {
      const logs = captureLogs();
      try {
        await Promise.all(keys.map((key) => ingestListOnce(key, defaultSettings, now, { contactsCheck })));
      } finally {
        logs.restore();
      }
      return logs.records().filter((l) => l.message === 'contacts checked' && l.since === undefined);
    };

    it('two lists sharing 1,000 people, ingested at once, each asking for a key snapshot: both stay on every shared contact', async () => {
      const lists = await Promise.all([listOf('side-a', 0, 2000), listOf('side-b', 1000, 3000)]);
      const checks = await ingestSideBySide(lists, 'key-snapshot');
      // one of them wrote blind; the other waited for it, then looked every contact up
      expect(checks.map((l) => l.by).sort()).toEqual(['key-snapshot', 'look-ups']);
      const stored = new Map(
        (await scanAllItems(contactsTableName()))
          .filter((c) => String(c.listId).startsWith('side-'))
          .map((c) => [c.suppressionKey as string, c.listIds as string[]]),
      );
      expect(stored.size).toBe(3000);
      for (let i = 1000; i < 2000; i++) expect(stored.get(keyOf(i))?.sort()).toEqual(['side-a', 'side-b']);
      expect(stored.get(keyOf(0))).toEqual(['side-a']);
      expect(stored.get(keyOf(2999))).toEqual(['side-b']);
      expect((await runningImports()).filter((r) => r.listId.startsWith('side-'))).toEqual([]);
    });

    it('two lists of the same 600 people, ingested at once, both looking every row up: both stay on every contact', async () => {
      const lists = await Promise.all([listOf('side-h', 8000, 8600), listOf('side-i', 8000, 8600)]);
      const checks = await ingestSideBySide(lists, 'look-ups');
      // the run that began second created each new contact only if still absent
      expect(checks.map((l) => l.newContacts).sort()).toEqual(['batch-writes', 'conditional-puts']);
      for (let i = 8000; i < 8600; i++)
        expect((await getContact(keyOf(i)))?.listIds.sort()).toEqual(['side-h', 'side-i']);
    });

    it('a run writing blind stops when another run begins, and says so once its blind writes are stored', async () => {
      const key = await listOf('side-c', 3000, 6000);
      let declaredAfter: boolean | undefined;
      await ingestListOnce(key, defaultSettings, now, {
        contactsCheck: 'key-snapshot',
        onProgress: async (done) => {
          if (declaredAfter !== undefined || done < 250) return;
          const mine = async () => (await runningImports()).find((r) => r.listId === 'side-c');
          expect((await mine())?.blindWrites).toBe(true);
          await declareImport({
            runId: 'other',
            listId: 'other',
            heartbeatAt: new Date().toISOString(),
            blindWrites: false,
          });
          for (let i = 0; i < 50 && (await mine())?.blindWrites; i++) await new Promise((r) => setTimeout(r, 100));
          declaredAfter = (await mine())?.blindWrites;
          await endImport('other');
        },
      });
      expect(declaredAfter).toBe(false);
      const stored = (await scanAllItems(contactsTableName())).filter((c) => c.listId === 'side-c');
      expect(stored).toHaveLength(3000);
    });

    it('a run waits for a live run writing blind, not for one that stopped beating 2 minutes ago', async () => {
      await declareImport({
        runId: 'dead',
        listId: 'dead',
        heartbeatAt: new Date(Date.now() - 120_000).toISOString(),
        blindWrites: true,
      });
      await ingestListOnce(await listOf('side-d', 6000, 6100), defaultSettings, now, { contactsCheck: 'look-ups' });
      expect(await getContact(keyOf(6000))).toBeDefined();

      await declareImport({ runId: 'live', listId: 'live', heartbeatAt: new Date().toISOString(), blindWrites: true });
      let finished = false;
      const run = ingestListOnce(await listOf('side-e', 6100, 6200), defaultSettings, now, {
        contactsCheck: 'look-ups',
      }).then(() => {
        finished = true;
      });
      await new Promise((r) => setTimeout(r, 1500));
      expect(finished).toBe(false);
      expect(await getContact(keyOf(6100))).toBeUndefined();
      await endImport('live');
      await run;
      expect(await getContact(keyOf(6100))).toBeDefined();
      await endImport('dead');
    });
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
        // a contacts check begun while the file was hashed is ended: no later run waits for it
        expect((await runningImports()).filter((r) => r.listId === c.listId)).toEqual([]);
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
