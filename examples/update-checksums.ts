/**
 * Recomputes the `sha256` of every example manifest from its data file (rules.md §3: a
 * mismatch rejects the list). Run after editing an example list:
 * `npx tsx examples/update-checksums.ts` (`--check` only reports, exit 1 on a mismatch).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXAMPLES_DIR = dirname(fileURLToPath(import.meta.url));

/** Every example manifest: `examples/<listId>/manifest.json`. */
export function exampleManifests(): string[] {
  return readdirSync(EXAMPLES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(EXAMPLES_DIR, entry.name, 'manifest.json'))
    .filter((path) => statSync(path, { throwIfNoEntry: false })?.isFile());
}

/** The manifest's declared and actual SHA-256 of its data file. */
export function checksumOf(manifestPath: string): { declared: string; actual: string } {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { dataFile: string; sha256: string };
  const data = readFileSync(join(dirname(manifestPath), manifest.dataFile));
  return { declared: manifest.sha256, actual: createHash('sha256').update(data).digest('hex') };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const checkOnly = process.argv.includes('--check');
  let wrong = 0;
  for (const path of exampleManifests()) {
    const { declared, actual } = checksumOf(path);
    if (declared === actual) continue;
    wrong++;
    if (checkOnly) {
      process.stdout.write(`${path}: sha256 differs\n`);
    } else {
      const text = readFileSync(path, 'utf8');
      writeFileSync(path, text.replace(`"sha256": "${declared}"`, `"sha256": "${actual}"`));
      process.stdout.write(`${path}: sha256 updated\n`);
    }
  }
  process.exitCode = checkOnly && wrong > 0 ? 1 : 0;
}
