/**
 * Running one command of a command table: help, unknown commands, and the rule that bad
 * usage or unreadable input ends as one line on stderr with exit 2, never a stack trace
 * (design.md §3.4). Shared by the full CLI (cli/main.ts) and its offline bundle
 * (cli/offline.ts), so both behave alike.
 */
import { EXIT, UsageError } from './errors.ts';

export type Command = (args: string[]) => Promise<number>;

export const USAGE = `usage : hygiene <commande> [options]

commandes :
  check <manifest.json>                     juger une liste hors ligne
  gate <campagne.json> --manifest <m.json>  quelles lignes une campagne peut atteindre, hors ligne
  up                                        démarrer la pile locale (émulateurs + fonctions)
  ingest <manifest.json>                    déposer une liste et attendre son rapport
  send <campagne.json>                      envoyer une campagne (contrôle puis SES)
  calls <campagne.json> [--from --days]     la fiche d'appels d'une campagne téléphonique
  calls record <campaignId>.csv             enregistrer les résultats d'appels (un refus = opposition)
  campaign status|resume|cancel <id>        compteurs d'une campagne, son disjoncteur plaintes/rebonds
  purge                                     lancer la purge de conservation maintenant
  dsr export|erase <adresse>                droit d'accès / d'effacement
  ledger verify | digest                    vérifier la chaîne de preuves / écrire un condensé

options communes : --json  --now <date ISO>  --config <fichier>  --advertiser <nom>  --stack <pile déployée>
'hygiene <commande> --help' détaille une commande ; 'hygiene --version' donne la version.`;

/** `hygiene <command> --help`: usage, options and an example, in French (issue 22). */
export const HELP: Record<string, string> = {
  check: `hygiene check <manifest.json> [--rejected rejets.csv] [--json] [--now ISO]
  Juge une liste hors ligne (sans AWS ni émulateur) : provenance, puis chaque ligne.
  --rejected <fichier>  écrit les lignes rejetées avec leurs motifs (UTF-8 avec BOM)
  Exemple : hygiene check examples/export-excel-fr/manifest.json`,
  gate: `hygiene gate <campagne.json> --manifest <m.json> [--manifest …] [--json] [--now ISO]
  Quelles lignes de ces listes la campagne peut atteindre maintenant, et pourquoi pas les autres.
  Exemple : hygiene gate examples/campaigns/b2b-achats-email.json --manifest examples/salon-batimat-2026/manifest.json`,
  up: `hygiene up [--memory] [--demo] [--free-ports]
  Démarre la pile locale au premier plan (Ctrl-C pour arrêter).
  --memory      rien sur disque   --demo  lance la démonstration (sur ses propres tables)
  --free-ports  ports libres quelconques (une seconde pile à côté d'une autre)
  Exemple : hygiene up --demo`,
  ingest: `hygiene ingest <manifest.json> [--timeout secondes] [--json]
  Dépose le fichier puis le manifeste dans le bucket, attend le rapport et l'affiche.
  Exemple : hygiene ingest examples/clients-2026/manifest.json`,
  send: `hygiene send <campagne.json> [--json] [--now ISO]
  Passe une campagne au contrôle d'envoi puis l'envoie par SES (ou SMS).
  Exemple : hygiene send examples/campaigns/newsletter-livres-email.json`,
  calls: `hygiene calls <campagne.json> [--from ISO] [--days N] [--out fiche.csv] [--json]
hygiene calls record <campaignId>.csv [--json]
  La fiche d'appels d'une campagne « phone » : qui appeler, dans quels créneaux ; puis les résultats.
  Exemple : hygiene calls examples/campaigns/appels-abonnement.json --days 5 --out fiche.csv`,
  campaign: `hygiene campaign status|resume|cancel <campaignId> [--json]
  Les compteurs d'une campagne e-mail et son disjoncteur (plaintes > 0,3 %, rebonds > 5 %).
  Exemple : hygiene campaign status printemps-2027`,
  purge: `hygiene purge [--now ISO] [--json]
  Supprime les contacts dont la durée de conservation est dépassée (reçus au registre).
  Exemple : hygiene purge --now 2030-01-01`,
  dsr: `hygiene dsr export|erase <adresse e-mail ou numéro> [--json]
  Droit d'accès (tout ce que nous détenons) ou d'effacement (l'opposition est gardée).
  Exemple : hygiene dsr export jean.dupont@gmail.com`,
  ledger: `hygiene ledger verify | digest [--json]
  Recalcule la chaîne de preuves et nomme le premier maillon rompu ; ou écrit un condensé.
  Exemple : hygiene ledger verify`,
};

/** The known command closest to a mistyped one (edit distance ≤ 2), for « vouliez-vous dire ». */
export function closestCommand(name: string, known: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0] as number;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j] as number;
        row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = current;
      }
    }
    return row[b.length] as number;
  };
  const ranked = known.map((k) => [k, distance(name.toLowerCase(), k)] as const).sort((x, y) => x[1] - y[1]);
  const best = ranked[0];
  return best && best[1] <= 2 ? best[0] : undefined;
}

/** What to do about an error the operator can fix (issue 22), appended to its one line. */
export function nextStep(error: unknown, message: string): string {
  const code =
    (error as { code?: string; cause?: { code?: string } })?.code ??
    (error as { cause?: { code?: string } })?.cause?.code;
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message))
    return ' — la pile locale ne répond pas : démarrez-la avec « npm start » (ou « hygiene up ») dans un autre terminal';
  if (code === 'EADDRINUSE' || /EADDRINUSE/.test(message))
    return ' — un port est déjà pris (une autre pile ?) : « hygiene up --free-ports » en démarre une à côté';
  return '';
}

/** The package's version (`hygiene --version`). */
const VERSION = '0.1.0';

export async function dispatch(
  argv: string[],
  commands: Record<string, () => Promise<Command>>,
  prepare?: (rest: string[]) => Promise<void>,
): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name ? EXIT.done : EXIT.usage;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`hygiene ${VERSION}\n`);
    return EXIT.done;
  }
  const load = commands[name];
  if (!load) {
    const guess = closestCommand(name, Object.keys(HELP));
    process.stderr.write(
      `hygiene : commande inconnue « ${name} »${guess ? ` ; vouliez-vous dire « hygiene ${guess} » ?` : ''} (hygiene --help)\n`,
    );
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${HELP[name] ?? USAGE}\n`);
    return EXIT.done;
  }
  try {
    await prepare?.(rest);
    const run = await load();
    return await run(rest);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`hygiene ${name} : ${message.split('\n')[0]}${nextStep(error, message)}\n`);
    if (process.env.HYGIENE_DEBUG && error instanceof Error && !(error instanceof UsageError)) {
      process.stderr.write(`${error.stack}\n`);
    }
    return EXIT.usage;
  }
}
