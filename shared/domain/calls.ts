/**
 * Calls (rules.md §6b): the call sheet of a `phone` campaign — who the sales team may
 * call and in which slots over the next days, why each other contact is left out — and
 * the calls' outcomes coming back (a refusal is an opposition, every call we make counts
 * for the cap, a callback is activity). Pure: the flow reads and writes the stores.
 */
import type { Campaign } from '../schemas/campaign.ts';
import type { Settings } from '../schemas/settings.ts';
import { nationalForm, normalisePhone } from './address.ts';
import type { Contact } from './contact.ts';
import { parseListTime } from './dates.ts';
import { contactAfterActivity } from './events.ts';
import { callTiming, gateContact } from './gate.ts';
import type { SendReason, SuppressionReason } from './reasons.ts';
import { callOptInStart, callWindow, openingsBetween, type Slot } from './windows.ts';
import { foldValue } from './words.ts';

/** One person the sheet says may be called (design.md §3.5): the sales team's working data. */
export interface CallEntry {
  listId: string;
  /** the list line, when the audience was read by list */
  line?: number;
  /** the contact's suppression key: how a line of the sheet is traced back, with no personal data */
  suppressionKey?: string;
  number: string;
  national: string;
  firstName?: string;
  lastName?: string;
  company?: string;
  jobTitle?: string;
  slots: { from: string; to: string }[];
}

/** Why a contact of the audience is not on the sheet: skipped for good, or deferred (the next allowed slot). */
export interface CallDecision {
  listId: string;
  line?: number;
  suppressionKey?: string;
  status: 'call' | 'skip' | 'defer';
  reasons: SendReason[];
  notBefore?: string;
}

/** `reports/calls/<campaignId>.json` (design.md §3.5), and what `hygiene calls --json` prints. */
export interface CallSheet {
  campaignId: string;
  /** the campaign-level verdict (a refused campaign calls no one) */
  status: 'accepted' | 'rejected';
  reasons: string[];
  from: string;
  days: number;
  counts: { call: number; skip: number; defer: number };
  byReason: Partial<Record<SendReason, number>>;
  calls: CallEntry[];
  /** every contact not called, and why (skip, defer) */
  decisions: CallDecision[];
}

/** The sheet's time range: `days` days from `from`. */
export function sheetRange(from: Date, days: number): { from: Date; until: Date } {
  return { from, until: new Date(from.getTime() + days * 86_400_000) };
}

/**
 * One contact on the sheet (rules.md §6b): judged by the gate at the sheet's start (a
 * skip reason leaves it out); otherwise its slots are the openings of its call window
 * between the first instant it may be called (the cap lifted, the opt-in in force) and
 * the sheet's end. No slot in the range → deferred, with the next allowed instant.
 */
export function callOf(
  contact: Contact,
  campaign: Campaign,
  ctx: { from: Date; until: Date; settings: Settings; suppression?: SuppressionReason },
): { status: 'call'; slots: Slot[] } | { status: 'skip' | 'defer'; reasons: SendReason[]; notBefore?: string } {
  const { from, until, settings } = ctx;
  const gate = gateContact(contact, campaign, { now: from, settings, suppression: ctx.suppression });
  if (gate.status === 'skip') return { status: 'skip', reasons: gate.reasons };
  // rules.md §9: a sheet dated before the consumer opt-in came into force calls no consumer
  // (the Bloctel regime is out of scope), even for its days after that date
  if (contact.kind === 'consumer' && from.getTime() < callOptInStart(settings).getTime()) {
    return {
      status: 'defer',
      reasons: gate.reasons.length > 0 ? gate.reasons : ['WINDOW'],
      ...(gate.notBefore ? { notBefore: gate.notBefore } : {}),
    };
  }
  const timing = callTiming(contact, from, settings);
  const window = callWindow(contact.kind, settings);
  const slots = window
    ? openingsBetween(timing.earliest, until, window, settings.publicHolidays)
    : timing.earliest.getTime() < until.getTime()
      ? [{ from: timing.earliest, to: until }]
      : [];
  if (slots.length > 0) return { status: 'call', slots };
  const reasons: SendReason[] = gate.reasons.length > 0 ? gate.reasons : ['WINDOW'];
  const deferred: { status: 'defer'; reasons: SendReason[]; notBefore?: string } = { status: 'defer', reasons };
  const next = window
    ? openingsBetween(
        new Date(Math.max(until.getTime(), timing.earliest.getTime())),
        new Date(Math.max(until.getTime(), timing.earliest.getTime()) + 62 * 86_400_000),
        window,
        settings.publicHolidays,
      )[0]?.from
    : timing.earliest;
  if (next) deferred.notBefore = next.toISOString();
  return deferred;
}

/** The sheet's line for a contact that may be called (its number is the contact's E.164 one). */
export function callEntry(
  contact: Contact,
  slots: readonly Slot[],
  where: { listId: string; line?: number },
): CallEntry {
  const number = contact.phone as string;
  const entry: CallEntry = {
    listId: where.listId,
    ...(where.line !== undefined ? { line: where.line } : {}),
    suppressionKey: contact.suppressionKey,
    number,
    national: nationalForm(number),
    slots: slots.map((s) => ({ from: s.from.toISOString(), to: s.to.toISOString() })),
  };
  if (contact.firstName) entry.firstName = contact.firstName;
  if (contact.lastName) entry.lastName = contact.lastName;
  if (contact.company) entry.company = contact.company;
  if (contact.jobTitle) entry.jobTitle = contact.jobTitle;
  return entry;
}

// ---------------------------------------------------------------------------------------
// Outcomes (design.md §3.5): `called_at`, `number`, `outcome`

export const CALL_OUTCOMES = ['answered', 'no-answer', 'refused', 'callback'] as const;
export type CallOutcomeKind = (typeof CALL_OUTCOMES)[number];

/** An outcome's value, and the French words a sales team may type for it. */
const OUTCOME_WORDS: Record<string, CallOutcomeKind> = {
  answered: 'answered',
  repondu: 'answered',
  decroche: 'answered',
  noanswer: 'no-answer',
  pasdereponse: 'no-answer',
  sansreponse: 'no-answer',
  absent: 'no-answer',
  messagerie: 'no-answer',
  refused: 'refused',
  refus: 'refused',
  refuse: 'refused',
  callback: 'callback',
  rappel: 'callback',
  rappelentrant: 'callback',
};

/** Header names of the outcomes file, folded, and their aliases. */
const OUTCOME_COLUMNS: Record<'called_at' | 'number' | 'outcome', readonly string[]> = {
  called_at: ['calledat', 'dateappel', 'datedelappel', 'appelele', 'date'],
  number: ['number', 'numero', 'phone', 'telephone', 'tel'],
  outcome: ['outcome', 'resultat', 'issue', 'statut'],
};

export interface CallOutcome {
  line: number;
  calledAt: Date;
  /** E.164 */
  number: string;
  outcome: CallOutcomeKind;
}

export interface OutcomeError {
  line: number;
  /** names the column and what was expected; never quotes the cell (it may be a number) */
  error: string;
}

/** Where each column of the outcomes file is, from its header; undefined names the missing ones. */
export function outcomeColumns(
  headers: readonly string[],
): { ok: true; at: Record<keyof typeof OUTCOME_COLUMNS, number> } | { ok: false; missing: string[] } {
  const folded = headers.map((h) => foldValue(h));
  const at = {} as Record<keyof typeof OUTCOME_COLUMNS, number>;
  const missing: string[] = [];
  for (const [column, aliases] of Object.entries(OUTCOME_COLUMNS) as [keyof typeof OUTCOME_COLUMNS, string[]][]) {
    const index = folded.findIndex((h) => aliases.includes(h));
    if (index === -1) missing.push(column);
    else at[column] = index;
  }
  return missing.length > 0 ? { ok: false, missing } : { ok: true, at };
}

/**
 * One record of the outcomes file: `called_at` an ISO instant or a Paris local time (not
 * after `now`), `number` any French or E.164 form, `outcome` one of CALL_OUTCOMES.
 */
export function parseOutcome(
  line: number,
  cells: readonly string[],
  at: Record<keyof typeof OUTCOME_COLUMNS, number>,
  now: Date,
): CallOutcome | OutcomeError {
  const calledAtText = cells[at.called_at]?.trim() ?? '';
  const numberText = cells[at.number]?.trim() ?? '';
  const outcomeText = cells[at.outcome]?.trim() ?? '';
  const calledAt = calledAtText ? parseListTime(calledAtText) : undefined;
  if (calledAt === undefined)
    return { line, error: 'called_at : date et heure attendues (ISO, ou heure de Paris « 08/12/2026 10:30 »)' };
  if (calledAt > now.getTime()) return { line, error: "called_at : postérieur au moment de l'enregistrement" };
  const phone = numberText ? normalisePhone(numberText) : { ok: false as const };
  if (!phone.ok) return { line, error: 'number : pas un numéro de téléphone' };
  const outcome = OUTCOME_WORDS[foldValue(outcomeText)];
  if (!outcome)
    return {
      line,
      error: 'outcome : attendu répondu, pas de réponse, refus ou rappel (answered, no-answer, refused, callback)',
    };
  return { line, calledAt: new Date(calledAt), number: phone.e164, outcome };
}

/**
 * rules.md §6b [L 34]: « non » during a call ends the calls, at once and for good — an
 * opposition for each number refused, dated by its first refusal (E.164 → instant).
 */
export function refusalsOf(outcomes: readonly CallOutcome[]): Map<string, Date> {
  const refusals = new Map<string, Date>();
  for (const o of outcomes) {
    if (o.outcome !== 'refused') continue;
    const first = refusals.get(o.number);
    if (!first || o.calledAt < first) refusals.set(o.number, o.calledAt);
  }
  return refusals;
}

/**
 * The contact after a call's outcome (rules.md §6b), or undefined when nothing changes (the
 * same outcome recorded again). A call we made (answered, no answer, refused) joins the
 * calls counted by the cap; calls older than the cap's window are forgotten. A callback —
 * the person calls us — is not our call: it is activity, and restarts the retention clock.
 */
export function contactAfterCall(
  contact: Contact,
  call: Pick<CallOutcome, 'calledAt' | 'outcome'>,
  now: Date,
  settings: Settings,
): Contact | undefined {
  if (call.outcome === 'callback') return contactAfterActivity(contact, call.calledAt, settings);
  const at = call.calledAt.toISOString();
  const before = contact.recentCalls ?? [];
  if (before.includes(at)) return undefined;
  const since = now.getTime() - settings.calls.perDays * 86_400_000;
  const recentCalls = [...before, at].filter((t) => Date.parse(t) > since).sort();
  if (recentCalls.length === before.length && recentCalls.every((t, i) => t === before[i])) return undefined;
  return { ...contact, recentCalls };
}
