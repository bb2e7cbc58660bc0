/**
 * Parse with a zod schema and, on failure, say which field is wrong in one line, with
 * no input value echoed back (a value may be personal data). zod's messages are in
 * French (issue 22): its French locale alone, not `z.locales` (every language), so a
 * function's bundle carries one locale.
 */
import * as z from 'zod';
import fr from 'zod/v4/locales/fr.js';

z.config(fr());

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): Parsed<z.infer<S>> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const path = issue?.path.length ? issue.path.join('.') : '(racine)';
  return { ok: false, error: `${what} : ${path} : ${issue?.message ?? 'invalide'}` };
}
