/**
 * The reason codes of rules.md §10 in the operator's words: the CLI's summaries and the
 * HTML reports (shared/report-html.ts). The codes themselves stay the stable interface.
 */
import type { ReasonCode } from './domain/reasons.ts';

/** Short French labels for every reason code (the codes themselves are the stable interface). */
export const REASON_LABELS: Record<ReasonCode, string> = {
  MANIFEST_INVALID: 'manifeste illisible ou non conforme',
  DATA_CHECKSUM_MISMATCH: "l'empreinte SHA-256 du fichier ne correspond pas au manifeste",
  ADVERTISER_MISMATCH: "l'annonceur n'est pas celui de ce déploiement",
  PURPOSE_INCOMPATIBLE: 'finalité incompatible avec la prospection',
  PROV_UNDOCUMENTED: 'provenance tierce non documentée (collecteur, dates ou contrat manquants)',
  PROV_UNAUDITED: 'formulaires de collecte du tiers non vérifiés (auditRef manquant)',
  ROW_MALFORMED: 'ligne illisible ou sans adresse',
  ADDRESS_INVALID: 'adresse ou numéro invalide',
  ADDRESS_DISPOSABLE: 'adresse jetable',
  DUPLICATE: 'doublon (la première ligne est retenue)',
  OPPOSED: "la personne s'est opposée",
  BOUNCED: 'adresse en erreur définitive',
  PROV_SCRAPED: 'adresse nominative collectée sur le web (aspiration interdite)',
  PROV_GENERIC_REPLY: "adresse nominative apprise par la réponse d'une adresse générique",
  RET_EXPIRED: 'durée de conservation dépassée',
  B2B_NOT_INFORMED: 'professionnel non informé à la collecte',
  CONSENT_INVALID: 'consentement non valable (case pré-cochée, CGU, conditionnel)',
  CONSENT_NO_PROOF: 'preuve du consentement incomplète',
  CONSENT_WRONG_CHANNEL: 'consentement donné pour un autre canal',
  PARTNER_NOT_NAMED: "l'annonceur n'est pas nommé parmi les partenaires",
  ONWARD_TRANSFER: 'fichier transmis par un autre que le collecteur',
  SOFTOPTIN_NO_SALE: 'client sans achat (soft opt-in impossible)',
  SOFTOPTIN_OTHER_ENTITY: "client d'une autre entité",
  SOFTOPTIN_NO_OPTOUT_AT_COLLECTION: "pas d'opposition proposée à la collecte",
  NO_CONSENT: 'aucune base légale (pas de consentement)',
  CONTENT_NO_IDENTITY: "le message ne nomme pas l'annonceur",
  CONTENT_NO_OPTOUT: 'pas de lien de désinscription / de mention STOP',
  CONTENT_NO_SOURCE: "la source des données n'est pas indiquée au premier message",
  SMS_BAD_SENDER: "l'émetteur SMS n'est pas un numéro court 3xxxx à 8xxxx",
  SOFTOPTIN_NOT_ANALOGOUS: 'produit non analogue à ceux achetés',
  B2B_UNRELATED: 'sans rapport avec la fonction du professionnel',
  SECTOR_BAN: 'rénovation énergétique : démarchage des particuliers interdit',
  WINDOW: "hors des plages d'envoi ou d'appel autorisées (reporté)",
  FREQ_CAP: 'plafond de fréquence atteint',
  CAMPAIGN_PAUSED: 'campagne suspendue (taux de plaintes ou de rebonds trop élevé)',
  CONTRACT_UNRELATED: 'appel sans rapport avec le contrat en cours',
};

/** « OPPOSED — la personne s'est opposée ; WINDOW — … »: codes stay, each with its words. */
export function withLabels(codes: readonly string[]): string {
  return codes.map((c) => (c in REASON_LABELS ? `${c} — ${REASON_LABELS[c as ReasonCode]}` : c)).join(' ; ');
}

/** A contact's fate in a campaign, a call sheet or a list, in the operator's words. */
export const DECISION_LABELS: Record<string, string> = {
  send: 'envoi',
  call: 'à appeler',
  skip: 'écarté',
  defer: 'reporté',
  accepted: 'acceptée',
  rejected: 'rejetée',
  quarantined: 'en quarantaine',
};
