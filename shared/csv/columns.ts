/**
 * Header names → canonical columns (design.md §3.2). Names are compared after folding:
 * lower case, accents removed, and every space, hyphen, underscore, dot or apostrophe
 * dropped, so `Date collecte` = `date_collecte` = `DATE-COLLECTE` and `E-mail` = `email`.
 */
import type { CanonicalColumn } from '#domain/contact';

/**
 * Every accepted header per canonical column, in priority order: when a file has two
 * headers for the same column, a row takes the value of the first one in this order
 * that is not empty in that row.
 */
export const COLUMN_ALIASES: Readonly<Record<CanonicalColumn, readonly string[]>> = {
  email: [
    'email',
    'e-mail',
    'mail',
    'courriel',
    'adresse email',
    'adresse e-mail',
    'adresse mail',
    'adresse courriel',
    'email address', // Mailchimp
    'e-mail address',
  ],
  phone: [
    'phone',
    'mobile',
    'portable',
    'telephone portable',
    'telephone mobile',
    'mobile phone',
    'mobile phone number', // HubSpot
    'mobile number',
    'numero de mobile',
    'numero de portable',
    'sms', // Brevo
    'phone number', // Mailchimp, HubSpot
    'telephone',
    'numero de telephone',
    'tel',
    'gsm',
  ],
  first_name: ['first_name', 'prenom', 'first name', 'firstname', 'given name'],
  last_name: ['last_name', 'nom', 'last name', 'lastname', 'nom de famille', 'family name', 'surname'],
  company: [
    'company',
    'societe',
    'entreprise',
    'company name', // HubSpot
    'raison sociale',
    'organisation',
    'organization',
  ],
  job_title: ['job_title', 'fonction', 'poste', 'job title', 'titre du poste', 'intitule de poste'],
  kind: ['kind', 'type', 'type de contact', 'contact type'],
  // design.md §3.2: with both Mailchimp columns, `confirm_time` (the double opt-in confirmation) wins;
  // `optin_time` alone is a sign-up, which proves no double opt-in (rules.md §4 R7.1)
  consent_at: ['consent_at', 'date_consentement', 'date de consentement', 'consent date', 'confirm_time'],
  optin_at: ['optin_time', 'optin time', 'date inscription', 'date d inscription'],
  consent_channels: ['consent_channels', 'canaux_consentement', 'canaux de consentement', 'consent channels'],
  collected_at: [
    'collected_at',
    'date_collecte',
    'date de collecte',
    'create date', // HubSpot
    'date de creation',
    'created at',
    'collected at',
  ],
  last_activity_at: [
    'last_activity_at',
    'date_dernier_contact',
    'date du dernier contact',
    'last activity date', // HubSpot
    'date de derniere activite',
    'derniere activite',
  ],
  last_purchase_at: [
    'last_purchase_at',
    'date_dernier_achat',
    'date du dernier achat',
    'last purchase date',
    'dernier achat',
  ],
  product_categories: ['product_categories', 'categories', 'categories de produits', 'product categories'],
  origin: ['origin', 'origine'],
  // rules.md §7b: consent to the measurement of opens and clicks, apart from the consent to be prospected
  tracking_consent_at: [
    'tracking_consent_at',
    'date_consentement_suivi',
    'date consentement suivi',
    'tracking consent date',
  ],
  // rules.md §4 R7: a contract in progress with the advertiser (calls about it need no consent)
  contract_active: ['contract_active', 'contrat_en_cours', 'contrat en cours', 'contrat actif', 'active contract'],
  // rules.md §4b: what the exporting tool says of the person's opt-outs and bounces
  status: ['status', 'statut', 'statut de contact', 'contact status'],
  email_blacklisted: ['email_blacklisted'], // Brevo / Sendinblue
  sms_blacklisted: ['sms_blacklisted'], // Brevo / Sendinblue
  unsub_time: ['unsub_time'], // Mailchimp (and its export of unsubscribed members)
  clean_time: ['clean_time'], // Mailchimp: cleaned = hard bounced
  unsubscribed_all_email: ['unsubscribed from all email'], // HubSpot
};

/** Folds a header name for comparison: `Téléphone portable` → `telephoneportable`. */
export function foldHeader(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

interface AliasEntry {
  column: CanonicalColumn;
  priority: number;
}

const aliasIndex = new Map<string, AliasEntry>();
for (const [column, aliases] of Object.entries(COLUMN_ALIASES) as [CanonicalColumn, readonly string[]][]) {
  aliases.forEach((alias, priority) => {
    const folded = foldHeader(alias);
    const known = aliasIndex.get(folded);
    // the table lists the aliases as people write them; several fold to the same name
    if (known?.column === column) return;
    if (known) throw new Error(`csv columns: alias "${alias}" names two columns`);
    aliasIndex.set(folded, { column, priority });
  });
}

/** The canonical column a header names, or null when it names none. */
export function canonicalColumn(header: string): CanonicalColumn | null {
  return aliasIndex.get(foldHeader(header))?.column ?? null;
}

/** Where a row's value of one canonical column comes from: cell indexes, best first. */
export interface ColumnSource {
  column: CanonicalColumn;
  cellIndexes: number[];
}

export interface ColumnMatch {
  columns: (CanonicalColumn | null)[];
  unknownColumns: string[];
  sources: ColumnSource[];
}

/** Matches a header row; unknown (non-empty) headers are listed, in file order. */
export function matchColumns(headers: readonly string[]): ColumnMatch {
  const columns: (CanonicalColumn | null)[] = [];
  const unknownColumns: string[] = [];
  const candidates = new Map<CanonicalColumn, { index: number; priority: number }[]>();
  headers.forEach((header, index) => {
    const entry = aliasIndex.get(foldHeader(header));
    columns.push(entry?.column ?? null);
    if (!entry) {
      if (header.trim() !== '') unknownColumns.push(header);
      return;
    }
    const list = candidates.get(entry.column) ?? [];
    list.push({ index, priority: entry.priority });
    candidates.set(entry.column, list);
  });
  const sources: ColumnSource[] = [];
  for (const [column, list] of candidates) {
    list.sort((a, b) => a.priority - b.priority || a.index - b.index);
    sources.push({ column, cellIndexes: list.map((c) => c.index) });
  }
  return { columns, unknownColumns, sources };
}
