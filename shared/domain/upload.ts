/**
 * The list-level decisions about an upload (rules.md §3), made once for both entry
 * points: `hygiene check` (a manifest on disk) and the ingestion (a manifest in S3). Each
 * reads the facts its own way, then asks these functions; neither decides anything itself.
 */
import { type Manifest, manifestSchema } from '../schemas/manifest.ts';
import { parseWith } from '../schemas/parse.ts';
import type { Settings } from '../schemas/settings.ts';
import { INVALID_MANIFEST, judgeManifest, type ManifestJudgement } from './provenance.ts';

export type ManifestReading =
  | { ok: true; manifest: Manifest }
  /** rules.md §3 MANIFEST_INVALID; `detail` names the field, never a value */
  | { ok: false; listId: string; judgement: ManifestJudgement; detail: string };

/**
 * Reads a manifest's text (rules.md §3: unreadable or not of the schema → MANIFEST_INVALID).
 * `folderListId`: the list id the upload's place gives (`incoming/<listId>/`), which the
 * manifest must carry: a manifest naming another list would judge and overwrite that one.
 * Offline (`hygiene check`) a file has no upload folder: undefined, not checked.
 * `fallbackListId`: the id the report carries when the manifest gives none.
 */
export function readManifest(text: string, fallbackListId: string, folderListId?: string): ManifestReading {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return invalid(folderListId ?? fallbackListId, 'manifeste : JSON invalide');
  }
  const named = (raw as { listId?: unknown } | null)?.listId;
  const listId = folderListId ?? (typeof named === 'string' && named !== '' ? named : fallbackListId);
  const parsed = parseWith(manifestSchema, raw, 'manifeste');
  if (!parsed.ok) return invalid(listId, parsed.error);
  if (folderListId !== undefined && parsed.value.listId !== folderListId) {
    return invalid(listId, "manifeste : listId : diffère du dossier d'envoi (incoming/<listId>/)");
  }
  return { ok: true, manifest: parsed.value };
}

function invalid(listId: string, detail: string): ManifestReading {
  return { ok: false, listId, judgement: INVALID_MANIFEST, detail };
}

/** What was found of the data file the manifest names. */
export type DataFileFacts = { present: false } | { present: true; sha256: string };

/**
 * The list's verdict (rules.md §3) once its data file is known: a missing file or one
 * whose SHA-256 differs from the manifest's is DATA_CHECKSUM_MISMATCH (no bytes can match
 * the manifest's checksum when there are none), with the manifest's own checks.
 */
export function judgeUpload(
  manifest: Manifest,
  data: DataFileFacts,
  settings: Settings,
  now: Date,
): ManifestJudgement & { detail?: string } {
  const checksumOk = data.present && data.sha256.toLowerCase() === manifest.sha256.toLowerCase();
  const judgement = judgeManifest(manifest, settings, { now, dataChecksumOk: checksumOk });
  if (!data.present)
    return { ...judgement, detail: `fichier de données ${manifest.dataFile} : absent à côté du manifeste` };
  if (!checksumOk) {
    return {
      ...judgement,
      detail: `fichier de données ${manifest.dataFile} : SHA-256 ${data.sha256} alors que le manifeste indique ${manifest.sha256.toLowerCase()}`,
    };
  }
  return judgement;
}

/** Whether the manifest alone lets the list in (its rows may be read while the file is hashed). */
export function manifestAdmits(manifest: Manifest, settings: Settings, now: Date): boolean {
  return judgeManifest(manifest, settings, { now, dataChecksumOk: true }).status === 'accepted';
}
