/**
 * Reports a person opens (issue 22): a list's report and a campaign's, as one
 * self-contained French HTML page each — no script, no network, the chart in inline SVG.
 * `hygiene check --html`, the ingestion (`reports/<listId>/report.html`) and the campaign
 * run (`reports/campaigns/<id>.html`) write them. Addresses appear only partly masked.
 */

import type { ListReport } from './domain/contact.ts';
import { escapeHtml } from './domain/content.ts';
import type { ReasonCode } from './domain/reasons.ts';
import { frDate, frDateTime, frNumber } from './french.ts';
import { REASON_LABELS } from './reason-labels.ts';
import type { Manifest } from './schemas/manifest.ts';

const label = (code: string): string => REASON_LABELS[code as ReasonCode] ?? code;

/** « j***@exemple.fr », « 06 •• •• •• 78 »: enough to find the row, not to reuse the address. */
export function maskAddress(email?: string, phone?: string): string {
  if (email) {
    const at = email.lastIndexOf('@');
    if (at > 0) return `${email[0]}***${email.slice(at)}`;
    return `${email.slice(0, 1)}***`;
  }
  if (phone) {
    const digits = phone.replace(/\D/g, '');
    return digits.length >= 4 ? `${digits.slice(0, 2)} •• •• •• ${digits.slice(-2)}` : '••';
  }
  return '—';
}

/** A horizontal bar chart of counts by reason, in inline SVG (no network, no script). */
function barChart(counts: readonly [string, number][], title: string): string {
  if (counts.length === 0) return '';
  const max = Math.max(...counts.map(([, n]) => n), 1);
  const rowHeight = 26;
  const labelWidth = 450;
  const barWidth = 300;
  const height = counts.length * rowHeight + 10;
  const bars = counts
    .map(([code, n], i) => {
      const y = 5 + i * rowHeight;
      const w = Math.max(2, Math.round((n / max) * barWidth));
      return `<text x="0" y="${y + 16}" font-size="13">${escapeHtml(`${code} — ${label(code)}`).slice(0, 60)}</text>
<rect x="${labelWidth}" y="${y + 3}" width="${w}" height="16" fill="#c0392b" rx="2"><title>${escapeHtml(code)} : ${frNumber(n)}</title></rect>
<text x="${labelWidth + w + 6}" y="${y + 16}" font-size="13">${frNumber(n)}</text>`;
    })
    .join('\n');
  return `<figure><svg role="img" aria-label="${escapeHtml(title)}" width="${labelWidth + barWidth + 80}" height="${height}" xmlns="http://www.w3.org/2000/svg">
${bars}
</svg><figcaption>${escapeHtml(title)}</figcaption></figure>`;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
.verdict{display:inline-block;padding:.2rem .7rem;border-radius:.3rem;color:#fff;font-weight:bold}
.accepted{background:#1e8449}.rejected{background:#c0392b}.quarantined{background:#b9770e}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:left}
.num{text-align:right}figcaption{font-size:.85rem;color:#555}
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

const VERDICT_FR: Record<ListReport['status'], string> = {
  accepted: 'Liste acceptée',
  rejected: 'Liste rejetée',
  quarantined: 'Liste en quarantaine',
};

const SOURCE_FR: Record<string, string> = {
  'own-form': "un formulaire de l'annonceur",
  'own-customers': "les clients de l'annonceur",
  event: 'un salon ou un événement',
  partner: 'un partenaire',
  purchased: 'un fichier acheté',
  rented: 'un fichier loué',
  broker: 'un courtier',
  'public-web': 'le web public',
  scraping: 'une collecte automatisée sur le web',
};

const MECHANISM_FR: Record<string, string> = {
  'double-opt-in': 'double opt-in (inscription confirmée)',
  'unticked-checkbox': 'case à cocher non pré-cochée',
  'pre-ticked-checkbox': 'case pré-cochée (non valable)',
  'terms-acceptance': 'acceptation des CGU (non valable)',
  conditional: 'consentement conditionnel (non valable)',
  none: 'aucun',
};

/** The provenance in words (rules.md §3): who collected the people's data, when, on what consent. */
function provenance(manifest: Manifest | undefined): string {
  if (!manifest) return '<p>Manifeste illisible : provenance inconnue.</p>';
  const s = manifest.source;
  const parts = [
    `Données collectées du ${escapeHtml(frDate(manifest.collected.from))} au ${escapeHtml(frDate(manifest.collected.to))} par ${escapeHtml(SOURCE_FR[s.kind] ?? s.kind)}${s.collector ? ` (${escapeHtml(s.collector)})` : ''}${s.receivedFrom && s.receivedFrom !== s.collector ? `, transmises par ${escapeHtml(s.receivedFrom)}` : ''}.`,
    `Public : ${escapeHtml(manifest.audience)} ; canaux : ${escapeHtml(manifest.channels.join(', '))}.`,
    manifest.consent
      ? `Consentement : ${escapeHtml(MECHANISM_FR[manifest.consent.mechanism] ?? manifest.consent.mechanism)}${manifest.consent.wordingVersion ? `, texte version ${escapeHtml(manifest.consent.wordingVersion)}` : ''}${manifest.consent.collectionPoint ? `, recueilli sur ${escapeHtml(manifest.consent.collectionPoint)}` : ''}.`
      : 'Aucun consentement recueilli.',
    `Personnes informées à la collecte : ${manifest.notice.informedAtCollection ? 'oui' : 'non'} ; opposition proposée : ${manifest.notice.optOutOfferedAtCollection ? 'oui' : 'non'}.`,
  ];
  if (s.contractRef)
    parts.push(
      `Contrat : ${escapeHtml(s.contractRef)}${s.auditRef ? ` ; audit des formulaires : ${escapeHtml(s.auditRef)}` : ''}.`,
    );
  return parts.map((p) => `<p>${p}</p>`).join('\n');
}

/** What to do about the most frequent reasons: the operator's next step. */
const FIX_FR: Partial<Record<string, string>> = {
  DATA_CHECKSUM_MISMATCH:
    "Le fichier n'est pas celui que décrit le manifeste : recalculez l'empreinte (sha256sum) ou reprenez le fichier du fournisseur.",
  PROV_UNDOCUMENTED: 'Complétez le manifeste : collecteur, dates de collecte et référence du contrat.',
  PROV_UNAUDITED: 'Faites vérifier les formulaires de collecte du tiers et indiquez la référence (auditRef).',
  MANIFEST_INVALID: 'Corrigez le manifeste (le champ en cause est nommé plus haut).',
  NO_CONSENT:
    'Ces personnes ne peuvent être sollicitées sans consentement : ne les importez pas, ou apportez la preuve de leur consentement.',
  CONSENT_NO_PROOF:
    'Ajoutez la preuve : date du consentement par ligne, texte, version et point de collecte dans le manifeste.',
  CONSENT_WRONG_CHANNEL:
    'Le consentement ne couvre pas ce canal : ne sollicitez ces personnes que sur les canaux consentis.',
  ADDRESS_INVALID: 'Corrigez les adresses ou numéros illisibles dans le fichier source.',
  DUPLICATE: 'Les doublons sont écartés (la première ligne est gardée) : rien à faire.',
  OPPOSED: "Ces personnes se sont opposées : elles ne doivent plus être sollicitées, c'est définitif.",
  B2B_NOT_INFORMED: 'Les professionnels doivent avoir été informés et pouvoir s’opposer à la collecte.',
  PARTNER_NOT_NAMED: "Le consentement recueilli par le partenaire doit nommer l'annonceur.",
  RET_EXPIRED: 'Ces contacts ont dépassé la durée de conservation : ils ne peuvent plus être utilisés.',
  ROW_MALFORMED: 'Ces lignes sont illisibles : corrigez-les dans le fichier (numéro de ligne ci-dessous).',
};

/** Rejected rows a page lists (the rejected CSV beside it has them all). */
export const REJECTED_SAMPLES = 200;

export interface RejectedSample {
  line: number;
  reasons: readonly string[];
  /** the row's address or number, partly masked (maskAddress) */
  who?: string;
}

/** The list report (design.md §3.5) as a page: verdict, provenance, counts by reason, rejected rows, what to do. */
export function listReportHtml(
  report: Omit<ListReport, 'decisions'> & { decisions?: ListReport['decisions'] },
  extras: { manifest?: Manifest; rejected?: readonly RejectedSample[]; generatedAt: Date; rejectedCsv?: string },
): string {
  const byReason = (Object.entries(report.byReason) as [string, number][]).sort((a, b) => b[1] - a[1]);
  const rows = report.rows;
  const listReasons = report.reasons.map((r) => `<li><b>${escapeHtml(r)}</b> — ${escapeHtml(label(r))}</li>`).join('');
  const rejected = extras.rejected ?? [];
  const fixes = [...report.reasons, ...byReason.map(([code]) => code)]
    .filter((code, i, all) => all.indexOf(code) === i && FIX_FR[code])
    .slice(0, 6)
    .map((code) => `<li><b>${escapeHtml(code)}</b> : ${escapeHtml(FIX_FR[code] as string)}</li>`)
    .join('');
  const body = `<h1>Rapport de la liste ${escapeHtml(report.listId)}</h1>
<p><span class="verdict ${report.status}">${VERDICT_FR[report.status]}</span></p>
${listReasons ? `<ul>${listReasons}</ul>` : ''}
${report.detail ? `<p>${escapeHtml(report.detail)}</p>` : ''}
<h2>Provenance</h2>
${provenance(extras.manifest)}
<h2>Lignes</h2>
<table><tr><th>Lignes</th><th>Acceptées</th><th>Rejetées</th></tr>
<tr><td class="num">${frNumber(rows.total)}</td><td class="num">${frNumber(rows.accepted)}</td><td class="num">${frNumber(rows.rejected)}</td></tr></table>
${barChart(byReason, 'Lignes rejetées par motif (motif décisif)')}
${
  rejected.length > 0
    ? `<h2>Lignes rejetées${rows.rejected > rejected.length ? ` (les ${frNumber(rejected.length)} premières)` : ''}</h2>
<table><tr><th>Ligne</th><th>Adresse</th><th>Motifs</th></tr>
${rejected.map((r) => `<tr><td class="num">${r.line}</td><td>${escapeHtml(r.who ?? '—')}</td><td>${r.reasons.map((c) => `${escapeHtml(c)} <small>(${escapeHtml(label(c))})</small>`).join(', ')}</td></tr>`).join('\n')}
</table>${extras.rejectedCsv ? `<p>Toutes les lignes rejetées, telles que reçues, avec leurs motifs : <code>${escapeHtml(extras.rejectedCsv)}</code></p>` : ''}`
    : ''
}
${fixes ? `<h2>Que faire</h2><ul>${fixes}</ul>` : ''}
<p><small>Rapport établi le ${escapeHtml(frDateTime(extras.generatedAt))} (heure de Paris).</small></p>`;
  return page(`Rapport de la liste ${report.listId}`, body);
}

/** What a campaign report holds that the page shows (shared/flows/send-campaign.ts CampaignReport). */
export interface CampaignReportView {
  campaignId: string;
  status: 'accepted' | 'rejected';
  reasons: readonly string[];
  judgedAt: string;
  counts: { audience: number; send: number; skip: number; defer: number; tracked?: number; untracked?: number };
  byReason: Partial<Record<string, number>>;
}

/** A campaign's run as a page: sent, skipped by reason, deferred, tracked or not. */
export function campaignReportHtml(report: CampaignReportView): string {
  const c = report.counts;
  const byReason = (Object.entries(report.byReason) as [string, number][]).sort((a, b) => b[1] - a[1]);
  const body = `<h1>Campagne ${escapeHtml(report.campaignId)}</h1>
<p><span class="verdict ${report.status}">${report.status === 'accepted' ? 'Campagne acceptée' : 'Campagne refusée'}</span></p>
${report.reasons.length ? `<ul>${report.reasons.map((r) => `<li><b>${escapeHtml(r)}</b> — ${escapeHtml(label(r))}</li>`).join('')}</ul>` : ''}
<table><tr><th>Audience</th><th>Envoyés</th><th>Écartés</th><th>Reportés</th><th>Mesurés (consentement au suivi)</th><th>Non mesurés</th></tr>
<tr><td class="num">${frNumber(c.audience)}</td><td class="num">${frNumber(c.send)}</td><td class="num">${frNumber(c.skip)}</td><td class="num">${frNumber(c.defer)}</td><td class="num">${frNumber(c.tracked ?? 0)}</td><td class="num">${frNumber(c.untracked ?? 0)}</td></tr></table>
${barChart(byReason, 'Contacts écartés ou reportés, par motif')}
<p><small>Jugée le ${escapeHtml(frDateTime(report.judgedAt))} (heure de Paris).</small></p>`;
  return page(`Campagne ${report.campaignId}`, body);
}
