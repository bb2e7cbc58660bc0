/**
 * Writes a realistic French prospect list of N rows (≈ 120 bytes a row) and its
 * manifest under bench/out/list-<N>/: professionals at company domains, Gmail/Orange
 * consumers, generic contact@ mailboxes, French mobiles in every usual spelling, accented
 * names, an unknown `ville` column, quoted cells holding `;` `,` and quotes, consent dates as jj/mm/aaaa and ISO,
 * a few duplicates and broken addresses. A consent-based own-form list for email and
 * SMS, so a check walks the full consent route. Deterministic (seeded); generated once
 * and reused while bench/out/list-<N>/generated.json says the same N and version.
 *
 *   tsx bench/generate-list.ts 1000000
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const GENERATOR_VERSION = 3;
export const BENCH_OUT = join(dirname(fileURLToPath(import.meta.url)), 'out');

export interface GeneratedList {
  rows: number;
  bytes: number;
  dataPath: string;
  manifestPath: string;
  sha256: string;
}

/** mulberry32: a small seeded PRNG, so every run benches the same file */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// biome-ignore format: a word list
const FIRST_NAMES = [
  'Jean', 'Marie', 'Élodie', 'François', 'Hélène', 'Jérôme', 'Chloé', 'Loïc', 'Anaïs', 'Benoît',
  'Céline', 'Gaëlle', 'Noël', 'Zoé', 'Thomas', 'Camille', 'Léa', 'Hugo', 'Inès', 'Mathéo',
  'Sébastien', 'Agnès', 'Maëlle', 'Stéphane', 'Joël', 'Nathalie', 'Rémi', 'Aurélie', 'Cédric', 'Solène',
];
// biome-ignore format: a word list
const LAST_NAMES = [
  'Martin', 'Bernard', 'Dubois', 'Lefèvre', 'Moreau', 'Girard', 'Rousseau', 'Lemaître', 'Fontaine', 'Chevalier',
  'Garçon', 'Bénard', 'Mercier', 'Dupré', 'Faure', 'Gauthier', 'Perrin', 'Roché', 'Lévêque', "D'Almeida",
  'Nguyen', 'Muller', 'Le Gall', 'Boyer', 'Hébert', 'Brunet', 'Blanchard', 'Aubry', 'Collin', 'Denis',
];
// biome-ignore format: a word list
const COMPANIES = [
  ['Bâti Plus', 'batiplus.fr'], ['Menuiserie Roux', 'menuiserie-roux.fr'], ['Acier & Cie', 'acier-cie.com'],
  ['Groupe Hélios', 'groupe-helios.fr'], ['Transports Vidal', 'transports-vidal.fr'], ['Café des Arts', 'cafedesarts.fr'],
  ['Dupont, Fils et Associés', 'dupont-fils.fr'], ['Logi; Conseil', 'logiconseil.fr'], ['Atelier "Le Fil"', 'atelier-lefil.fr'],
  ['Société Générale de Froid', 'sgfroid.fr'], ['Éco Énergies', 'eco-energies.fr'], ['Boulangerie Paul', 'boulangerie-paul.fr'],
  ['Optique Lumière', 'optique-lumiere.fr'], ['Cabinet Mercier', 'cabinet-mercier.fr'], ['Imprimerie Gaspard', 'imprimerie-gaspard.fr'],
];
// biome-ignore format: a word list
const JOB_TITLES = [
  'Responsable achats', 'Directeur général', 'Office manager', 'Responsable services généraux', 'DSI',
  'Comptable', 'Chargée de marketing', 'Gérant', 'Acheteuse', 'Responsable logistique', 'DRH', 'Commercial',
];
const CITIES = [
  'Paris',
  'Lyon',
  'Saint-Étienne',
  'Aix-en-Provence',
  'Besançon',
  'Nîmes',
  'Orléans',
  'Clermont-Ferrand',
  'Boulogne-Billancourt',
  "Villeneuve-d'Ascq",
];
const FREE_MAIL = [
  'gmail.com',
  'orange.fr',
  'wanadoo.fr',
  'free.fr',
  'laposte.net',
  'hotmail.fr',
  'sfr.fr',
  'yahoo.fr',
];
const GENERIC = ['contact', 'info', 'commercial', 'accueil', 'direction', 'compta'];
const HEADER = 'email;telephone;prenom;nom;societe;fonction;date_consentement;canaux_consentement;date_collecte;ville';

const ASCII_FOLD: Record<string, string> = { "'": '', ' ': '-' };
function mailPart(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/['\s]/g, (c) => ASCII_FOLD[c] ?? '');
}

function csvCell(value: string): string {
  return /[;,"\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Builds the row generator: each call returns one CSV line (without its line break). */
export function rowMaker(seed = 42): () => string {
  const rnd = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const digits = (count: number) => {
    let s = '';
    for (let i = 0; i < count; i++) s += Math.floor(rnd() * 10);
    return s;
  };
  const recent: string[] = [];
  return () => {
    const first = pick(FIRST_NAMES);
    const last = pick(LAST_NAMES);
    const [company, baseDomain] = pick(COMPANIES) as [string, string];
    // ~150,000 company domains: a list of a million rows meets many companies, not 15
    const branch = Math.floor(rnd() * 1000);
    const domain = `${baseDomain.replace(/\.(fr|com)$/, '')}-${mailPart(pick(CITIES))}${branch || ''}.fr`;
    const roll = rnd();
    let email: string;
    let societe = '';
    let fonction = '';
    if (roll < 0.45) {
      email = `${mailPart(first)}.${mailPart(last)}${rnd() < 0.3 ? digits(2) : ''}@${domain}`;
      societe = company;
      fonction = pick(JOB_TITLES);
    } else if (roll < 0.8) {
      email = `${mailPart(first)}${pick(['.', '', '_'])}${mailPart(last)}${digits(4)}@${pick(FREE_MAIL)}`;
    } else if (roll < 0.88) {
      email = `${pick(GENERIC)}@${domain}`;
      societe = company;
    } else if (roll < 0.91) {
      email = pick([
        `${mailPart(first)}@`,
        `${mailPart(last)}..${digits(2)}@gmail.com`,
        `${mailPart(first)} ${mailPart(last)}@orange.fr`,
        `${mailPart(last)}.gmail.com`,
      ]);
    } else if (roll < 0.93 && recent.length > 0) {
      email = pick(recent).toUpperCase(); // a duplicate, as exports write them
    } else if (roll < 0.95) {
      email = '';
    } else {
      email = `${mailPart(first).slice(0, 1)}.${mailPart(last)}${digits(3)}@${pick(FREE_MAIL)}`;
    }
    if (email && recent.length < 512) recent.push(email);
    else if (email) recent[Math.floor(rnd() * 512)] = email;

    const mobile = `${pick(['6', '7'])}${digits(8)}`;
    const phoneRoll = rnd();
    let telephone = '';
    if (phoneRoll < 0.25)
      telephone = `0${mobile.slice(0, 1)} ${mobile.slice(1, 3)} ${mobile.slice(3, 5)} ${mobile.slice(5, 7)} ${mobile.slice(7)}`;
    else if (phoneRoll < 0.4)
      telephone = `+33 ${mobile.slice(0, 1)} ${mobile.slice(1, 3)} ${mobile.slice(3, 5)} ${mobile.slice(5, 7)} ${mobile.slice(7)}`;
    else if (phoneRoll < 0.5)
      telephone = `0${mobile.slice(0, 1)}.${mobile.slice(1, 3)}.${mobile.slice(3, 5)}.${mobile.slice(5, 7)}.${mobile.slice(7)}`;
    else if (phoneRoll < 0.6) telephone = `0${mobile}`;
    else if (phoneRoll < 0.68) telephone = `+33${mobile}`;
    else if (phoneRoll < 0.75) telephone = `01 ${digits(2)} ${digits(2)} ${digits(2)} ${digits(2)}`;
    if (!email && !telephone) telephone = `0${mobile}`;

    const month = 1 + Math.floor(rnd() * 12);
    const day = 1 + Math.floor(rnd() * 28);
    const year = 2025;
    const dateRoll = rnd();
    const consent =
      dateRoll < 0.5
        ? `${pad(day)}/${pad(month)}/${year}`
        : dateRoll < 0.8
          ? `${year}-${pad(month)}-${pad(day)}`
          : `${year}-${pad(month)}-${pad(day)} ${pad(8 + Math.floor(rnd() * 12))}:${pad(Math.floor(rnd() * 60))}:00`;
    const channels = rnd() < 0.7 ? 'email+sms' : rnd() < 0.7 ? 'email' : 'sms';
    const collected = `${year}-${pad(month)}-${pad(day)}`;
    return [email, telephone, first, last, societe, fonction, consent, channels, collected, pick(CITIES)]
      .map(csvCell)
      .join(';');
  };
}

/** The manifest of the generated list: own web form, double opt-in, email + SMS. */
export function benchManifest(sha256: string, listId = 'bench-own-form'): Record<string, unknown> {
  return {
    version: 1,
    listId,
    dataFile: 'contacts.csv',
    sha256,
    advertiser: 'Acme SAS',
    purpose: 'commercial-prospecting',
    audience: 'mixed',
    channels: ['email', 'sms'],
    collected: { from: '2025-01-01', to: '2025-12-31' },
    source: { kind: 'own-form' },
    consent: {
      mechanism: 'double-opt-in',
      wording: "J'accepte de recevoir les offres d'Acme SAS par e-mail et SMS.",
      wordingVersion: 'v2',
      collectionPoint: 'https://acme.fr/newsletter',
      scope: 'advertiser',
      namedPartners: [],
    },
    notice: { informedAtCollection: true, optOutOfferedAtCollection: true },
    csv: { delimiter: ';', encoding: 'utf-8' },
  };
}

/** Writes (or reuses) the list of `rows` rows; returns where it is. */
export async function generateList(rows: number, other?: { listId: string; seed: number }): Promise<GeneratedList> {
  const dir = join(BENCH_OUT, other ? `${other.listId}-${rows}` : `list-${rows}`);
  const dataPath = join(dir, 'contacts.csv');
  const manifestPath = join(dir, 'manifest.json');
  const markerPath = join(dir, 'generated.json');
  try {
    const marker = JSON.parse(await readFile(markerPath, 'utf8')) as Partial<GeneratedList> & { version?: number };
    const size = (await stat(dataPath)).size;
    await stat(manifestPath);
    if (marker.version === GENERATOR_VERSION && marker.rows === rows && marker.bytes === size && marker.sha256) {
      return { rows, bytes: size, dataPath, manifestPath, sha256: marker.sha256 };
    }
  } catch {
    // not generated yet
  }
  await mkdir(dir, { recursive: true });
  const hash = createHash('sha256');
  const out = createWriteStream(dataPath);
  const write = (text: string) =>
    new Promise<void>((resolve, reject) => {
      hash.update(text);
      out.write(text, (error) => (error ? reject(error) : resolve()));
    });
  const nextRow = rowMaker(other?.seed);
  await write(`${HEADER}\r\n`);
  const block = 10_000;
  for (let done = 0; done < rows; done += block) {
    const lines: string[] = [];
    for (let i = done; i < Math.min(rows, done + block); i++) lines.push(nextRow());
    await write(`${lines.join('\r\n')}\r\n`);
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  const sha256 = hash.digest('hex');
  const bytes = (await stat(dataPath)).size;
  await writeFile(manifestPath, `${JSON.stringify(benchManifest(sha256, other?.listId), null, 2)}\n`);
  await writeFile(markerPath, `${JSON.stringify({ version: GENERATOR_VERSION, rows, bytes, sha256 }, null, 2)}\n`);
  return { rows, bytes, dataPath, manifestPath, sha256 };
}

// run as a script (not when imported, nor when a bench that imports it is bundled into one file)
if (process.argv[1] === fileURLToPath(import.meta.url) && /generate-list\.ts$/.test(process.argv[1] ?? '')) {
  const rows = Number(process.argv[2] ?? 100_000);
  if (!Number.isInteger(rows) || rows < 0) {
    console.error('usage: tsx bench/generate-list.ts <rows>');
    process.exit(2);
  }
  const list = await generateList(rows);
  console.log(`${list.rows} rows, ${(list.bytes / 1e6).toFixed(1)} MB → ${list.dataPath}`);
}
