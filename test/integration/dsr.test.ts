import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { emailSuppressionKey, phoneSuppressionKey } from '#domain/keys';
import { consentProofDigest } from '#domain/ledger';
import type { Manifest } from '#schemas/manifest';
import { defaultSettings } from '#schemas/settings';
import { eraseSubject, exportSubject } from '#shared/flows/dsr';
import { ingestList } from '#shared/flows/ingest-list';
import { getContact } from '#store/contacts';
import { ledgerEntriesFor } from '#store/ledger';
import { verifyLedger } from '#store/ledger-digests';
import { loadSecrets } from '#store/secrets';
import { getSuppression } from '#store/suppressions';
import { handler } from '../../functions/dsr/handler.ts';
import { hygiene } from '../support/cli.ts';
import { useEmulators } from '../support/emulators.ts';
import { tradeShowManifest, uploadList } from '../support/lists.ts';

const now = new Date('2026-11-20T10:00:00Z');

// Jean (email + phone, consented to both), Marie (another person on the same list), a phone-only person.
const LIST = Buffer.from(
  [
    'email;phone;first_name;last_name;consent_at;consent_channels',
    'Jean.Dupont@gmail.com;06 12 34 56 78;Jean;Dupont;2026-10-02T10:00:00Z;email+sms',
    'marie.curie@gmail.com;;Marie;Curie;2026-10-03T11:00:00Z;email',
    ';07 11 22 33 44;;;2026-10-03T12:00:00Z;sms',
    '',
  ].join('\n'),
);

function newsletterManifest(listId: string): Manifest {
  return tradeShowManifest(listId, LIST, {
    audience: 'consumer',
    channels: ['email', 'sms'],
    source: { kind: 'own-form' },
    consent: {
      mechanism: 'double-opt-in',
      wording: "J'accepte de recevoir les offres d'Acme SAS par email et SMS",
      wordingVersion: 'v3',
      collectionPoint: 'https://acme.fr/newsletter',
      scope: 'advertiser',
      namedPartners: [],
    },
  } as Partial<Manifest>);
}

describe('data-subject requests (DynamoDB Local + s3rver)', () => {
  let secret: string;
  let jeanKey: string;
  let jeanPhoneKey: string;
  let marieKey: string;
  let manifestKey: string;

  beforeAll(async () => {
    await useEmulators();
    secret = (await loadSecrets()).suppressionKeySecret;
    jeanKey = emailSuppressionKey('jean.dupont@gmail.com', secret) as string;
    jeanPhoneKey = phoneSuppressionKey('+33612345678', secret) as string;
    marieKey = emailSuppressionKey('marie.curie@gmail.com', secret) as string;
    manifestKey = await uploadList(newsletterManifest('newsletter-2026'), LIST);
    const result = await ingestList(manifestKey, defaultSettings, now);
    expect(result.rows).toEqual({ total: 3, accepted: 3, rejected: 0 });
  });

  it('export: contact record, consent proof, list manifest, suppression and ledger entries, in one document', async () => {
    const { document, receipt } = await exportSubject('Jean.Dupont@gmail.com', now);
    expect(document.suppressionKeys).toEqual([jeanKey, jeanPhoneKey]);
    expect(document.contacts).toHaveLength(1);
    expect(document.contacts[0]).toMatchObject({
      suppressionKey: jeanKey,
      phoneKey: jeanPhoneKey,
      phone: '+33612345678',
    });
    expect(document.contacts[0]).not.toHaveProperty('ttl');
    const proof = document.consentProofs[0];
    expect(proof).toMatchObject({
      wordingVersion: 'v3',
      collectionPoint: 'https://acme.fr/newsletter',
      listId: 'newsletter-2026',
    });
    expect(document.lists).toHaveLength(1);
    expect(document.lists[0]).toMatchObject({ listId: 'newsletter-2026', status: 'accepted' });
    expect((document.lists[0]?.manifest as Manifest | undefined)?.consent?.wordingVersion).toBe('v3');
    expect(document.lists[0]?.ledger.map((e) => e.type)).toContain('list-accepted');
    // the import batch entry of the list, with Jean's part only: the ledger proves the very proof shown
    const imported = document.lists[0]?.ledger.find((e) => e.type === 'contact-imported');
    const { suppressionKey: _k, digest, ...storedProof } = proof as NonNullable<typeof proof>;
    expect(digest).toBe(consentProofDigest(storedProof));
    expect(imported?.payload.contacts).toEqual([{ k: jeanKey, consent: digest }]);
    expect(imported?.redacted).toEqual({ omitted: 2 });
    expect(receipt).toMatchObject({ type: 'dsr-export', subject: jeanKey });
  });

  it('the export holds no other person’s data', async () => {
    const { document } = await exportSubject('jean.dupont@gmail.com', now);
    const text = JSON.stringify(document).toLowerCase();
    for (const other of ['marie', 'curie', marieKey, '+33711223344', '0711223344']) expect(text).not.toContain(other);
  });

  it.each([
    ['another case', 'JEAN.DUPONT@GMAIL.COM'],
    ['Gmail dots and a +tag', 'jeandupont+promo@gmail.com'],
    ['googlemail.com', 'jean.du.pont@googlemail.com'],
    ['the phone number, in a French form', '06.12.34.56.78'],
    ['the phone number, E.164', '+33612345678'],
  ])('the same person is found by %s', async (_, address) => {
    const { document } = await exportSubject(address, now);
    expect(document.contacts.map((c) => c.suppressionKey)).toEqual([jeanKey]);
  });

  it('an address that is neither email nor phone is refused without being repeated', async () => {
    const r = await hygiene('dsr', 'export', 'jean.dupont@gmail');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "hygiene dsr : ni une adresse e-mail ni un numéro de téléphone valide (l'adresse n'est pas répétée ici) — vérifiez-la et relancez\n",
    );
  });

  it('`hygiene dsr export` prints the document on stdout (to hand over) and what it holds, in French, on stderr', async () => {
    const r = await hygiene('dsr', 'export', 'Marie.Curie@gmail.com');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).suppressionKeys).toEqual([marieKey]);
    expect(r.stderr).toMatch(
      /^Export RGPD \(art\. 15\) : 1 fiche contact, 1 preuve de consentement, 1 liste, 0 opposition ou exclusion, \d+ entrées? du registre\. Remise consignée au registre \(c\d#\d+\)\.\n$/,
    );
  });

  it('`hygiene dsr export --json` prints one JSON document', async () => {
    const r = await hygiene('dsr', 'export', 'marie.curie@gmail.com', '--json');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const document = JSON.parse(r.stdout);
    expect(document.suppressionKeys).toEqual([marieKey]);
    expect(r.stdout.toLowerCase()).not.toContain('dupont');
  });

  it('the operators’ Lambda validates its event and exports', async () => {
    await expect(handler({ action: 'forget', address: 'x@y.fr' }, {} as Context)).rejects.toThrow(
      /^dsr request : action : /,
    );
    const document = await handler({ action: 'export', address: '0711223344' }, {} as Context);
    expect(document).toMatchObject({ kind: 'dsr-export', contacts: [{ phone: '+33711223344' }] });
  });

  describe('erasure', () => {
    beforeAll(async () => {
      const outcome = await eraseSubject('JeanDupont@gmail.com', new Date('2026-11-21T09:00:00Z'));
      expect(outcome).toMatchObject({ suppressionKeys: [jeanKey, jeanPhoneKey], contactsDeleted: 1 });
    });

    it('deletes the contact and its consent proof, keeps OPPOSED suppression entries for the email and the phone', async () => {
      expect(await getContact(jeanKey)).toBeUndefined();
      for (const key of [jeanKey, jeanPhoneKey]) {
        expect(await getSuppression(key)).toMatchObject({ reason: 'OPPOSED', sources: ['erasure'] });
      }
      expect((await ledgerEntriesFor(jeanKey)).map((e) => e.type)).toEqual(
        expect.arrayContaining(['dsr-export', 'opposition-recorded', 'dsr-erasure']),
      );
    });

    it('an export afterwards shows only the receipt and the suppression entries', async () => {
      const { document } = await exportSubject('jean.dupont@gmail.com', now);
      expect(document.contacts).toEqual([]);
      expect(document.consentProofs).toEqual([]);
      expect(document.lists).toEqual([]);
      expect(document.suppressions.map((s) => s.suppressionKey)).toEqual([jeanKey]);
      expect(document.ledger.map((e) => e.type)).toEqual(['dsr-erasure']);
      expect(document.ledger[0]?.payload).toMatchObject({ contactsDeleted: 1, consentProofsDeleted: 1 });
      expect(document.erasure?.earlierLedgerEntries).toBeGreaterThan(0);
      expect(JSON.stringify(document)).not.toMatch(/dupont|612345678/i);
    });

    it('erased by email, asked by phone: the same receipt', async () => {
      const { document } = await exportSubject('+33 6 12 34 56 78', now);
      expect(document.contacts).toEqual([]);
      expect(document.ledger.map((e) => [e.type, e.subject])).toEqual([['dsr-erasure', jeanPhoneKey]]);
    });

    it('re-importing the same list brings the person back as OPPOSED, and Marie stays', async () => {
      const result = await ingestList(manifestKey, defaultSettings, new Date('2026-11-22T10:00:00Z'));
      expect(result.byReason).toEqual({ OPPOSED: 1 });
      expect(await getContact(jeanKey)).toBeUndefined();
      expect(await getContact(marieKey)).toBeDefined();
    });

    it('`hygiene dsr erase` erases a phone-only person and leaves a receipt', async () => {
      const key = phoneSuppressionKey('0711223344', secret) as string;
      const r = await hygiene('dsr', 'erase', '+33 7 11 22 33 44');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        /^Effacement fait \(RGPD art\. 17\) : 1 fiche contact supprimée ; 1 clé conservée comme opposition \(OPPOSED\), pour ne plus jamais la solliciter ; reçu au registre c\d#\d+\n$/,
      );
      expect(await getContact(key)).toBeUndefined();
      expect(await getSuppression(key)).toMatchObject({ reason: 'OPPOSED', sources: ['erasure'] });
    });

    it('the ledger still verifies after all of it', async () => {
      expect(await verifyLedger()).toMatchObject({ ok: true });
    });
  });
});
