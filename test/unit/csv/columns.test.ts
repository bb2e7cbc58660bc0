import { describe, expect, it } from 'vitest';
import { canonicalColumn, matchColumns } from '#csv/columns';
import { readList, summary, utf8 } from './support.ts';

describe('header names', () => {
  it.each([
    ['email', 'email'],
    ['E-mail', 'email'],
    ['E_MAIL', 'email'],
    ['Mail', 'email'],
    ['Courriel', 'email'],
    ['adresse email', 'email'],
    ['Adresse e-mail', 'email'],
    ['Adresse_Email', 'email'],
    ['Email Address', 'email'],
    ['phone', 'phone'],
    ['Téléphone', 'phone'],
    ['TELEPHONE', 'phone'],
    ['Téléphone portable', 'phone'],
    ['Mobile', 'phone'],
    ['Portable', 'phone'],
    ['Phone Number', 'phone'],
    ['Mobile Phone Number', 'phone'],
    ['SMS', 'phone'],
    ['first_name', 'first_name'],
    ['Prénom', 'first_name'],
    ['PRENOM', 'first_name'],
    ['First Name', 'first_name'],
    ['firstname', 'first_name'],
    ['last_name', 'last_name'],
    ['Nom', 'last_name'],
    ['Last Name', 'last_name'],
    ['LASTNAME', 'last_name'],
    ['Société', 'company'],
    ['Entreprise', 'company'],
    ['Company Name', 'company'],
    ['Fonction', 'job_title'],
    ['Poste', 'job_title'],
    ['Job Title', 'job_title'],
    ['Type', 'kind'],
    ['date_consentement', 'consent_at'],
    ['Date de consentement', 'consent_at'],
    ['OPTIN_TIME', 'optin_at'],
    ['CONFIRM_TIME', 'consent_at'],
    ['canaux_consentement', 'consent_channels'],
    ['Canaux consentement', 'consent_channels'],
    ['date_collecte', 'collected_at'],
    ['Date collecte', 'collected_at'],
    ['DATE-COLLECTE', 'collected_at'],
    ['Date de collecte', 'collected_at'],
    ['Create Date', 'collected_at'],
    ['date_dernier_contact', 'last_activity_at'],
    ['Last Activity Date', 'last_activity_at'],
    ['date_dernier_achat', 'last_purchase_at'],
    ['Date dernier achat', 'last_purchase_at'],
    ['Catégories', 'product_categories'],
    ['origine', 'origin'],
    ['  Email  ', 'email'],
  ])('%j → %s', (header, column) => {
    expect(canonicalColumn(header)).toBe(column);
  });

  it.each([
    'Address',
    'Adresse',
    'Ville',
    'MEMBER_RATING',
    'Record ID',
    'LEID',
    'Lifecycle Stage',
    'Téléphone fixe',
    '',
  ])('%j names no column', (header) => {
    expect(canonicalColumn(header)).toBeNull();
  });
});

describe('exports of common tools', () => {
  it('Mailchimp: confirm_time is the consent time; optin_time, a sign-up, is read apart (rules.md §4 R7.1)', async () => {
    const header =
      'Email Address,First Name,Last Name,Address,Phone Number,MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,LAST_CHANGED,LEID,TAGS';
    const rows = [
      'zoe@exemple.fr,Zoé,Martin,"1 rue X, Paris",+33612345678,2,2025-03-01 10:00:00,1.2.3.4,2025-03-01 10:05:00,1.2.3.4,2025-04-01 00:00:00,1,',
      'leo@exemple.fr,Léo,Petit,,,2,2025-03-02 11:00:00,1.2.3.4,,,2025-04-01 00:00:00,2,"vip,salon"',
    ];
    const { info, records } = await readList(utf8([header, ...rows, ''].join('\n')));
    expect(info.delimiter).toBe(',');
    expect(info.unknownColumns).toEqual([
      'Address',
      'MEMBER_RATING',
      'OPTIN_IP',
      'CONFIRM_IP',
      'LAST_CHANGED',
      'LEID',
      'TAGS',
    ]);
    expect(summary(records)).toEqual([
      {
        line: 2,
        email: 'zoe@exemple.fr',
        first_name: 'Zoé',
        last_name: 'Martin',
        phone: '+33612345678',
        consent_at: '2025-03-01 10:05:00',
        optin_at: '2025-03-01 10:00:00',
      },
      { line: 3, email: 'leo@exemple.fr', first_name: 'Léo', last_name: 'Petit', optin_at: '2025-03-02 11:00:00' },
    ]);
  });

  it('HubSpot: the mobile number wins over the phone number', async () => {
    const header =
      'Record ID,First Name,Last Name,Email,Phone Number,Mobile Phone Number,Company Name,Job Title,Create Date,Last Activity Date,Lifecycle Stage';
    const row =
      '101,Zoé,Martin,zoe@acme.fr,01 23 45 67 89,06 12 34 56 78,Acme,Acheteuse,2025-01-02 09:00,2025-06-01 10:00,lead';
    const { info, records } = await readList(utf8(`${header}\r\n${row}\r\n`));
    expect(info.unknownColumns).toEqual(['Record ID', 'Lifecycle Stage']);
    expect(summary(records)).toEqual([
      {
        line: 2,
        first_name: 'Zoé',
        last_name: 'Martin',
        email: 'zoe@acme.fr',
        phone: '06 12 34 56 78',
        company: 'Acme',
        job_title: 'Acheteuse',
        collected_at: '2025-01-02 09:00',
        last_activity_at: '2025-06-01 10:00',
      },
    ]);
  });

  it('Brevo', async () => {
    const { info, records } = await readList(
      utf8('CONTACT ID;EMAIL;FIRSTNAME;LASTNAME;SMS;ADDED_TIME\n7;zoe@exemple.fr;Zoé;Martin;33612345678;2025-02-03\n'),
    );
    expect(info.delimiter).toBe(';');
    expect(info.unknownColumns).toEqual(['CONTACT ID', 'ADDED_TIME']);
    expect(summary(records)).toEqual([
      { line: 2, email: 'zoe@exemple.fr', first_name: 'Zoé', last_name: 'Martin', phone: '33612345678' },
    ]);
  });

  it('a French Excel export', async () => {
    const header =
      'Adresse e-mail;Téléphone portable;Prénom;Nom;Société;Fonction;Type;Date de collecte;Date de consentement;Canaux consentement;Date dernier contact;Date dernier achat;Catégories;Origine;Commentaire';
    const row =
      'zoe@acme.fr;06 12 34 56 78;Zoé;Lefèvre;"Acme; SA";DAF;professional;05/10/2026;05/10/2026;email+sms;01/11/2026;;disques|vinyles;generic-reply;"RDV ""salon"""';
    const { info, records } = await readList(utf8(`${header}\r\n${row}\r\n`));
    expect(info.columns).toEqual([
      'email',
      'phone',
      'first_name',
      'last_name',
      'company',
      'job_title',
      'kind',
      'collected_at',
      'consent_at',
      'consent_channels',
      'last_activity_at',
      'last_purchase_at',
      'product_categories',
      'origin',
      null,
    ]);
    expect(info.unknownColumns).toEqual(['Commentaire']);
    expect(summary(records)).toEqual([
      {
        line: 2,
        email: 'zoe@acme.fr',
        phone: '06 12 34 56 78',
        first_name: 'Zoé',
        last_name: 'Lefèvre',
        company: 'Acme; SA',
        job_title: 'DAF',
        kind: 'professional',
        collected_at: '05/10/2026',
        consent_at: '05/10/2026',
        consent_channels: 'email+sms',
        last_activity_at: '01/11/2026',
        product_categories: 'disques|vinyles',
        origin: 'generic-reply',
      },
    ]);
  });

  it('lists unknown headers in file order, not empty ones', () => {
    expect(matchColumns(['email', 'Ville', '', 'Code postal', 'nom']).unknownColumns).toEqual(['Ville', 'Code postal']);
  });
});
