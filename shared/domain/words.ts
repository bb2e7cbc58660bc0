/**
 * A cell's value as the rules compare it: an export's opt-out status (rules.md §4b), a
 * call's outcome (§6b). Apart from rows.ts so that a module comparing words does not load
 * the address classifier (and its lists) with it.
 */

/** A value compared case-, accent-, space-, hyphen- and underscore-insensitively (rules.md §4b). */
export const foldValue = (value: string): string =>
  value
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[\s_-]+/g, '');
