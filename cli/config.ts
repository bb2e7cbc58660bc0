/**
 * The deployment's settings for a CLI command (design.md §3.4): `hygiene.config.json` in
 * the working directory when present, or the `--config` file, over the documented
 * defaults; `--advertiser` overrides the advertiser.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { parseListDate } from '#domain/dates';
import { parseWith } from '#schemas/parse';
import { type Settings, settingsSchema } from '#schemas/settings';
import { UsageError } from './errors.ts';

export const CONFIG_FILE = 'hygiene.config.json';

/** Read, validate and complete the settings. Bad usage or an unreadable file → UsageError (one line). */
export function loadSettings(options: { config?: string; advertiser?: string } = {}): Settings {
  let raw: unknown = {};
  const explicit = options.config !== undefined;
  const path = resolve(options.config ?? CONFIG_FILE);
  if (explicit || existsSync(path)) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw new UsageError(`impossible de lire le fichier de réglages ${options.config ?? CONFIG_FILE}`);
    }
    try {
      raw = JSON.parse(text);
    } catch {
      throw new UsageError(`${options.config ?? CONFIG_FILE} : JSON invalide`);
    }
  }
  const parsed = parseWith(settingsSchema, raw, options.config ?? CONFIG_FILE);
  if (!parsed.ok) throw new UsageError(parsed.error);
  const settings = parsed.value;
  if (options.advertiser !== undefined) {
    if (options.advertiser.trim() === '') throw new UsageError("--advertiser : donnez le nom de l'annonceur");
    settings.advertiser = options.advertiser.trim();
  }
  return settings;
}

/** `--now <ISO date>`: the instant to judge at (retention, windows); the clock otherwise. */
export function parseNow(value: string | undefined): Date {
  if (value === undefined) return new Date();
  // a date or time without a zone is Europe/Paris time, as in the lists (design.md §3.2)
  const now = parseListDate(value);
  if (!now)
    throw new UsageError(`--now : « ${value} » n'est pas une date ISO (ex. 2026-12-07 ou 2026-12-07T10:00:00+01:00)`);
  return now;
}

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** The options every command takes (design.md §3.4). */
const COMMON_OPTIONS = {
  json: { type: 'boolean', default: false },
  now: { type: 'string' },
  config: { type: 'string' },
  advertiser: { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;

/**
 * Parses a command's arguments: the common options plus its own. An unknown or malformed
 * option is a UsageError (exit 2), followed by the command's usage line when given.
 */
export function parseCommand<T extends ParseArgsOptionsConfig>(args: string[], own: T, usage?: string) {
  const options = { ...COMMON_OPTIONS, ...own } as typeof COMMON_OPTIONS & T;
  try {
    return parseArgs({ args, allowPositionals: true as const, strict: true as const, options });
  } catch (error) {
    const message = argumentsError(error);
    throw new UsageError(usage ? `${message} (${usage})` : message);
  }
}

/** node:util parseArgs's errors (English) in French, naming the option as typed. */
function argumentsError(error: unknown): string {
  const { code, message = '' } = error as { code?: string; message?: string };
  // the option as parseArgs quotes it: '--now', '--now <value>' or '-n, --now <value>'
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
  const option =
    quoted
      .replace(/ <value>$/, '')
      .split(', ')
      .pop() ?? quoted;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `option inconnue « ${option} »`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `argument inattendu « ${quoted} »`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(message)) return `${option} ne prend pas de valeur`;
      if (/ambiguous/.test(message))
        return `${option} : valeur manquante (une valeur qui commence par un tiret s'écrit ${option}=-…)`;
      return `${option} : valeur manquante`;
    default:
      return message.split('\n')[0] || 'arguments invalides';
  }
}
