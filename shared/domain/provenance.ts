/**
 * Provenance checks on upload (rules.md §3): the whole list is judged from its manifest
 * before any row. A rejected list is never imported; a quarantined one is stored but not
 * imported until a corrected manifest is submitted.
 */
import type { Manifest } from '../schemas/manifest.ts';
import type { Settings } from '../schemas/settings.ts';
import { parseListDate } from './dates.ts';
import type { ListReason } from './reasons.ts';

export type ListStatus = 'accepted' | 'rejected' | 'quarantined';

export interface ManifestJudgement {
  status: ListStatus;
  /** every list-level reason that applies: those that reject first, then those that quarantine */
  reasons: ListReason[];
}

/**
 * The comparable form of a company or person name (rules.md §2): case, accents and
 * punctuation do not matter, a hyphen is a space, a legal form before or after the name
 * is ignored, every other word must match: `ACME S.A.S.` = `Acme SAS` = `Acme`, but
 * `Acme Voyages SAS` ≠ `Acme SAS`, and `Acmes` ≠ `Acme` (words, never a part of one).
 */
export function entityKey(name: string): string {
  const words = name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    // a hyphen, an apostrophe, a comma or a dot is a space
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  // dotted spellings: `S.A.S.` is `SAS` (single letters in a row make one word)
  const runs: { word: string; letters: boolean }[] = [];
  for (const word of words) {
    const last = runs.at(-1);
    if (word.length === 1 && last?.letters) last.word += word;
    else runs.push({ word, letters: word.length === 1 });
  }
  const merged = runs.map((r) => r.word);
  // rules.md §2: a legal form before or after the name is ignored (`SAS Acme` = `Acme`)
  while (merged.length > 1 && LEGAL_FORMS.has(merged[0] as string)) merged.shift();
  while (merged.length > 1 && LEGAL_FORMS.has(merged.at(-1) as string)) merged.pop();
  return merged.join(' ');
}

/** rules.md §2: the legal forms a company name may carry, ignored when names are compared. */
const LEGAL_FORMS = new Set(['sa', 'sas', 'sasu', 'sarl', 'eurl', 'snc', 'scop', 'sca', 'se', 'gie']);

/** Whether two names designate the same entity (see entityKey). */
export function sameEntity(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const ka = entityKey(a);
  return ka !== '' && ka === entityKey(b);
}

const THIRD_PARTY_SOURCES = new Set(['partner', 'purchased', 'rented', 'broker']);

/**
 * rules.md §3, §4 R7: the data was collected by someone other than the advertiser: a
 * seller, a renter, a broker, or a partner or an event whose collector is not the
 * advertiser (one the advertiser collected itself is its own collection, which must have
 * informed the people). Without a collector, an event is the advertiser's own only when
 * the manifest says `source.ownEvent: true`. Public-web and scraping are not third-party
 * here; rules.md §4 R4 judges their rows.
 */
export function isThirdPartySource(source: Manifest['source'], advertiser?: string): boolean {
  // rules.md §0.1: data the manifest calls the advertiser's own but that another entity
  // collected is judged as what it is, third-party data
  const collectedByAnother =
    source.collector !== undefined && advertiser !== undefined && !sameEntity(source.collector, advertiser);
  const collectedByAdvertiser =
    source.collector !== undefined && advertiser !== undefined && sameEntity(source.collector, advertiser);
  if (source.kind === 'event') return collectedByAdvertiser ? false : source.ownEvent !== true || collectedByAnother;
  if (source.kind === 'partner') return !collectedByAdvertiser;
  if (source.kind === 'own-form' || source.kind === 'own-customers') return collectedByAnother;
  return THIRD_PARTY_SOURCES.has(source.kind);
}

/** Purposes compatible with prospecting (rules.md §3, GDPR 5(1)(b)). */
const COMPATIBLE_PURPOSES = new Set(['commercial-prospecting', 'customer-management']);

/**
 * Judge a parsed manifest (rules.md §3). `dataChecksumOk` is false when the data file's
 * SHA-256 differs from the manifest's (undefined: not checked here). `now` bounds the
 * collection period.
 */
export function judgeManifest(
  manifest: Manifest,
  settings: Settings,
  options: { now: Date; dataChecksumOk?: boolean },
): ManifestJudgement {
  const rejecting: ListReason[] = [];
  const quarantining: ListReason[] = [];

  // rules.md §3: the collection period ends in the future, or starts after it ends
  const from = parseListDate(manifest.collected.from);
  const to = parseListDate(manifest.collected.to);
  if (!from || !to || from.getTime() > to.getTime() || to.getTime() > options.now.getTime()) {
    rejecting.push('MANIFEST_INVALID');
  }
  if (options.dataChecksumOk === false) rejecting.push('DATA_CHECKSUM_MISMATCH');
  if (!sameEntity(manifest.advertiser, settings.advertiser)) rejecting.push('ADVERTISER_MISMATCH');
  if (!COMPATIBLE_PURPOSES.has(manifest.purpose)) rejecting.push('PURPOSE_INCOMPATIBLE');

  if (isThirdPartySource(manifest.source, manifest.advertiser)) {
    // rules.md §3 [P 15, 16, 18]: the user of third-party data must be able to show where it comes from
    const s = manifest.source;
    if (!s.collector?.trim() || !s.contractRef?.trim()) quarantining.push('PROV_UNDOCUMENTED');
    if (!s.auditRef?.trim()) quarantining.push('PROV_UNAUDITED');
  }

  const reasons = [...rejecting, ...quarantining];
  const status: ListStatus = rejecting.length > 0 ? 'rejected' : quarantining.length > 0 ? 'quarantined' : 'accepted';
  return { status, reasons };
}

/** The judgement of a manifest that could not be read or is not of the schema (rules.md §3). */
export const INVALID_MANIFEST: ManifestJudgement = { status: 'rejected', reasons: ['MANIFEST_INVALID'] };
