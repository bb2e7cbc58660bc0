/**
 * The demonstration `npm start` runs on the local stack (issue 10): the sample lists of
 * examples/ uploaded as an operator would, the verdict and counts of each, a campaign
 * sent (some recipients are SES mailbox-simulator addresses), the bounce, complaint and
 * unsubscribe that follow, the suppression entries, then the purge "3 years later" and
 * its receipts. Idempotent: a second run finds the lists already judged and sends nothing
 * twice. Output is product text for a person, not logs; no address is printed.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CallSheet } from '#domain/calls';
import type { ListReport } from '#domain/contact';
import { addDays, addYears } from '#domain/dates';
import { purgeRunSubject } from '#domain/retention';
import type { OutcomesReport } from '#shared/flows/call-outcomes';
import { runRetentionPurge } from '#shared/flows/retention-purge';
import { frCount, frDate, frDateTime } from '#shared/french';
import { DECISION_LABELS, REASON_LABELS, withLabels } from '#shared/reason-labels';
import { settingsFromEnv } from '#shared/settings';
import { contactsTableName } from '#store/contacts';
import { scanAllItems } from '#store/dynamo-batch';
import { ledgerEntriesFor } from '#store/ledger';
import { getList } from '#store/lists';
import { objectBytes, objectKeys, putObject } from '#store/objects';
import { suppressionsTableName } from '#store/suppressions';
import { provision } from './local/provision.ts';
import type { LocalStack } from './local/stack.ts';
import type { Progress } from './progress.ts';
import { progressLine as purgeProgressLine } from './purge.ts';

const EXAMPLES = join(import.meta.dirname, '..', 'examples');
/** the campaign of the demo: a consent newsletter to everyone reachable (the SES simulator addresses among them) */
const DEMO_CAMPAIGN = 'newsletter-livres-email.json';

type Write = (text: string) => void;

/** No progress line (tests, a pipe): the steps' results are printed all the same. */
const NO_PROGRESS: Progress = { show: () => undefined, done: () => undefined };

/**
 * Waits for the stack to finish a step's work, showing where it stands every half second
 * (issue 22: the demo's steps say what they are doing, on a terminal).
 */
async function whileWorking(stack: LocalStack, progress: Progress, status: () => Promise<string>): Promise<void> {
  let finished = false;
  const idle = stack.idle().finally(() => {
    finished = true;
  });
  while (!finished) {
    progress.show(await status());
    await Promise.race([idle, new Promise((r) => setTimeout(r, 500))]);
  }
  await idle;
  progress.show(await status(), true);
  progress.done();
}

export interface DemoOutcome {
  lists: Record<string, { status: string; accepted: number; rejected: number }>;
  campaign?: { send: number; skip: number; defer: number; alreadyHandled: number };
  suppressions: { reason: string; sources: string[] }[];
  purge: { deleted: number; receipts: number };
  calls?: { call: number; skip: number; defer: number; oppositions: number };
  /** the demo's own tables and bucket (environment variables → names) */
  resources?: Record<string, string>;
}

/** the phone campaign of the demo, and its outcomes file (examples/outcomes/<campaignId>.csv) */
const DEMO_CALLS = 'appels-abonnement.json';

/** The demo's own bucket; its tables are `demo-*` (cli/local/provision.ts). */
export const DEMO_BUCKET = 'hygiene-demo';

/**
 * Runs the demonstration on its own tables and bucket (issue 22): the functions of the
 * stack find their tables and bucket through the environment, which points at the demo's
 * for the demo's duration and is given back after. The user's data — lists ingested,
 * contacts, oppositions — is never read, written or purged by a demo, however many run.
 */
export async function runDemo(
  stack: LocalStack,
  write: Write,
  now = new Date(),
  progress: Progress = NO_PROGRESS,
): Promise<DemoOutcome> {
  const names = await provision('demo', DEMO_BUCKET);
  const saved = Object.fromEntries(Object.keys(names.env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, names.env);
  try {
    return { ...(await demoSteps(stack, write, now, progress)), resources: names.env };
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

async function demoSteps(stack: LocalStack, write: Write, now: Date, progress: Progress): Promise<DemoOutcome> {
  const outcome: DemoOutcome = { lists: {}, suppressions: [], purge: { deleted: 0, receipts: 0 } };
  write(
    `  (la démonstration travaille sur ses propres tables demo-* et son bucket ${DEMO_BUCKET} : vos données n'y sont pas)\n`,
  );
  write('\n=== 1. Import des listes (examples/) ===\n');
  const folders = (await readdir(EXAMPLES, { withFileTypes: true }))
    .filter((d) => d.isDirectory() && existsSync(join(EXAMPLES, d.name, 'manifest.json')))
    .map((d) => d.name)
    .sort();
  const listIds: string[] = [];
  for (const folder of folders) {
    const manifestBytes = await readFile(join(EXAMPLES, folder, 'manifest.json'));
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as { listId: string; dataFile: string };
    listIds.push(manifest.listId);
    // the data file first, then the manifest: the commit marker that starts the ingestion
    await putObject(
      objectKeys.dataFile(manifest.listId, manifest.dataFile),
      await readFile(join(EXAMPLES, folder, manifest.dataFile)),
      'text/csv',
    );
    await putObject(objectKeys.manifest(manifest.listId), manifestBytes, 'application/json');
  }
  await whileWorking(stack, progress, async () => {
    const judged = (await Promise.all(listIds.map((id) => getList(id)))).filter((l) => l?.reportKey).length;
    return `  Import des listes : ${judged}/${listIds.length} jugées…`;
  });
  for (const folder of folders) {
    const manifest = JSON.parse(await readFile(join(EXAMPLES, folder, 'manifest.json'), 'utf8')) as { listId: string };
    const list = await getList(manifest.listId);
    if (!list?.reportKey) {
      write(`  ${manifest.listId}: pas de rapport (voir les journaux)\n`);
      continue;
    }
    const report = JSON.parse((await objectBytes(list.reportKey)).toString('utf8')) as ListReport;
    outcome.lists[manifest.listId] = { status: report.status, ...report.rows };
    write(
      `  ${manifest.listId.padEnd(22)} ${verdict(report.status)}  ${report.rows.accepted}/${report.rows.total} acceptées`,
    );
    write(report.reasons.length ? `  — ${withLabels(report.reasons)}\n` : '\n');
    for (const [reason, n] of Object.entries(report.byReason).sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))) {
      write(
        `      ${String(n).padStart(3)} × ${reason.padEnd(24)} ${REASON_LABELS[reason as keyof typeof REASON_LABELS] ?? ''}\n`,
      );
    }
  }

  write("\n=== 2. Envoi d'une campagne (examples/campaigns/) ===\n");
  const campaignBytes = await readFile(join(EXAMPLES, 'campaigns', DEMO_CAMPAIGN));
  const campaignId = (JSON.parse(campaignBytes.toString('utf8')) as { campaignId: string }).campaignId;
  await putObject(`campaigns/${campaignId}.json`, campaignBytes, 'application/json');
  await whileWorking(
    stack,
    progress,
    async () => `  Envoi : ${frCount(await sesMessages(stack), 'message remis', 'messages remis')} à SES…`,
  );
  try {
    const report = JSON.parse((await objectBytes(objectKeys.campaignReport(campaignId))).toString('utf8')) as {
      status: string;
      counts: { send: number; skip: number; defer: number; alreadyHandled: number };
      byReason: Record<string, number>;
    };
    outcome.campaign = report.counts;
    write(
      `  ${campaignId}: ${report.status === 'accepted' ? 'acceptée' : 'refusée'} — ${report.counts.send} envois, ${report.counts.skip} ignorés, ${report.counts.defer} différés${report.counts.alreadyHandled ? `, ${report.counts.alreadyHandled} déjà envoyés lors d'un lancement précédent` : ''}\n`,
    );
    for (const [reason, n] of Object.entries(report.byReason)) write(`      ${String(n).padStart(3)} × ${reason}\n`);
  } catch {
    write('  (rapport de campagne absent : voir les journaux)\n');
  }

  write('\n=== 3. Retours SES : rebond, plainte, désinscription en un clic ===\n');
  // one recipient uses the one-click button, as Gmail would: a POST to the List-Unsubscribe URL
  const oneClick = await unsubscribeOneRecipient(stack);
  write(oneClick ? '  un destinataire a cliqué « Se désinscrire » (POST RFC 8058) : 200\n' : '');
  await whileWorking(
    stack,
    progress,
    async () =>
      `  Retours SES : ${frCount((await scanAllItems(suppressionsTableName())).length, 'opposition ou exclusion enregistrée', 'oppositions ou exclusions enregistrées')}…`,
  );
  const suppressions = await scanAllItems(suppressionsTableName());
  for (const s of suppressions) {
    outcome.suppressions.push({ reason: String(s.reason), sources: (s.sources as string[]) ?? [] });
    write(
      `  ${String(s.suppressionKey).slice(0, 12)}…  ${String(s.reason).padEnd(8)} ${((s.sources as string[]) ?? []).join(', ')}\n`,
    );
  }
  write(`  ${suppressions.length} entrée(s) dans la liste d'opposition (clés HMAC, jamais d'adresse)\n`);

  write("\n=== 4. Appels : la fiche de l'équipe commerciale, puis les résultats ===\n");
  outcome.calls = await demoCalls(stack, write, progress);

  write('\n=== 5. Trois ans plus tard : la purge ===\n');
  const later = addDays(addYears(now, settingsFromEnv().retentionYears), 1);
  const before = (await scanAllItems(contactsTableName())).length;
  const summary = await runRetentionPurge({
    now: later,
    settings: settingsFromEnv(),
    onProgress: (p) => progress.show(`  ${purgeProgressLine(p)}`),
  });
  progress.done();
  const after = (await scanAllItems(contactsTableName())).length;
  outcome.purge = { deleted: summary.deleted, receipts: summary.deleted };
  write(
    `  au ${frDate(later.toISOString())} (--now ${later.toISOString().slice(0, 10)}) : ${summary.deleted} contact(s) supprimé(s) sur ${before} (reste ${after}), ${summary.read} entrée(s) d'index lue(s)\n`,
  );
  const runReceipts = await ledgerEntriesFor(purgeRunSubject(later));
  write(
    `  ${summary.deleted} reçu(s) RET_EXPIRED (clé, expiration, date de suppression) et ${runReceipts.length} bilan de purge au registre de preuves\n`,
  );
  write(`  les oppositions survivent à la purge : ${(await scanAllItems(suppressionsTableName())).length} entrée(s)\n`);

  write('\n=== Où regarder ===\n');
  write(`  Boîte d'envoi SES     ${stack.emulators.endpoints.ses}\n`);
  write(`  Rapports (démo)       ${stack.s3Dir}/${DEMO_BUCKET}/reports/\n`);
  write(`  Désinscription        ${stack.unsubscribeBaseUrl}/u/<jeton>\n`);
  write('  À essayer             npx hygiene check examples/export-excel-fr/manifest.json\n');
  write(
    '                        npx hygiene gate examples/campaigns/b2b-achats-email.json --manifest examples/salon-batimat-2026/manifest.json\n',
  );
  write('                        npx hygiene dsr export jean.dupont@gmail.com    npx hygiene ledger verify\n');
  write('                        npx hygiene calls examples/campaigns/appels-abonnement.json --days 5\n');
  write('                        npx hygiene purge --now 2030-01-01\n');
  return outcome;
}

/**
 * rules.md §6b: the phone campaign's call sheet, written by the campaign function as in
 * AWS, then the calls' outcomes uploaded under outcomes/ (a refusal becomes an opposition).
 * Numbers are shown masked: the sheet itself is in the bucket.
 */
async function demoCalls(stack: LocalStack, write: Write, progress: Progress): Promise<DemoOutcome['calls']> {
  const campaignBytes = await readFile(join(EXAMPLES, 'campaigns', DEMO_CALLS));
  const campaignId = (JSON.parse(campaignBytes.toString('utf8')) as { campaignId: string }).campaignId;
  await putObject(`campaigns/${campaignId}.json`, campaignBytes, 'application/json');
  await whileWorking(stack, progress, async () => "  Fiche d'appels : contacts jugés, créneaux calculés…");
  let sheet: CallSheet;
  try {
    sheet = JSON.parse((await objectBytes(objectKeys.callSheet(campaignId, 'json'))).toString('utf8')) as CallSheet;
  } catch {
    write("  (fiche d'appels absente : voir les journaux)\n");
    return undefined;
  }
  write(
    `  ${campaignId}: ${sheet.counts.call} à appeler, ${sheet.counts.skip} écarté(s), ${sheet.counts.defer} reporté(s) sur ${sheet.days} jours\n`,
  );
  for (const c of sheet.calls.slice(0, 5)) {
    const slot = c.slots[0];
    write(
      `      ${maskNumber(c.national)}  ligne ${c.line ?? '?'}  dès le ${slot ? frDateTime(slot.from, { weekday: true }) : '?'}\n`,
    );
  }
  for (const d of sheet.decisions)
    write(`      ligne ${d.line ?? '?'} : ${DECISION_LABELS[d.status] ?? d.status}, ${withLabels(d.reasons)}\n`);
  await putObject(
    objectKeys.callOutcomes(campaignId),
    await readFile(join(EXAMPLES, 'outcomes', `${campaignId}.csv`)),
    'text/csv',
  );
  await whileWorking(stack, progress, async () => '  Résultats des appels : enregistrement…');
  const report = JSON.parse(
    (await objectBytes(objectKeys.callOutcomesReport(campaignId))).toString('utf8'),
  ) as OutcomesReport;
  write(
    `  résultats (outcomes/${campaignId}.csv) : ${report.counts.lines} appel(s), ${report.counts.oppositions} refus enregistré(s) comme opposition(s)\n`,
  );
  return { ...sheet.counts, oppositions: report.counts.oppositions };
}

/** `06 11 22 33 44` → `06 •• •• •• 44`: enough for a person to recognise, not to dial. */
const maskNumber = (national: string): string => national.replace(/(?<=^\S+ )(\S+ \S+ \S+)(?= \S+$)/, '•• •• ••');

function verdict(status: string): string {
  return status === 'accepted' ? 'ACCEPTÉE   ' : status === 'quarantined' ? 'QUARANTAINE' : 'REJETÉE    ';
}

/** Messages the SES emulator has received so far. */
async function sesMessages(stack: LocalStack): Promise<number> {
  const store = (await (await fetch(`${stack.emulators.endpoints.ses}/store`)).json()) as { emails: unknown[] };
  return store.emails.length;
}

/** Finds a delivered demo message to success@ and posts its one-click unsubscribe, as a mailbox provider does. */
async function unsubscribeOneRecipient(stack: LocalStack): Promise<boolean> {
  const store = (await (await fetch(`${stack.emulators.endpoints.ses}/store`)).json()) as {
    emails: { destination: { to: string[] }; headers?: { name: string; value: string }[] }[];
  };
  const mail = store.emails.find((e) => e.destination.to.some((to) => to.startsWith('success')));
  const header = mail?.headers?.find((h) => h.name.toLowerCase() === 'list-unsubscribe')?.value;
  const url = header?.match(/<(https?:[^>]+)>/)?.[1];
  if (!url) return false;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });
  return res.ok;
}
