/**
 * The settings a function runs with: `HYGIENE_SETTINGS` (JSON, set by the CDK stack or
 * the local stack) over the rulebook's defaults. The CLI reads hygiene.config.json instead.
 */
import { parseWith } from '#schemas/parse';
import { type Settings, settingsSchema } from '#schemas/settings';

let cached: Settings | undefined;

export function settingsFromEnv(): Settings {
  if (cached) return cached;
  const raw = process.env.HYGIENE_SETTINGS;
  const parsed = parseWith(settingsSchema, raw ? JSON.parse(raw) : {}, 'HYGIENE_SETTINGS');
  if (!parsed.ok) throw new Error(parsed.error);
  cached = parsed.value;
  return cached;
}

/** Forget the cached settings (tests and the local stack change them). */
export function resetSettings(): void {
  cached = undefined;
}
