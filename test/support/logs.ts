/**
 * Captures what the Powertools logger prints (JSON lines through its own Console on
 * process.stdout / process.stderr), so a test can check that no line holds personal data.
 */
import { vi } from 'vitest';

export interface CapturedLogs {
  text(): string;
  /** the JSON lines, parsed (other lines left out) */
  records(): Record<string, unknown>[];
  restore(): void;
}

export function captureLogs(): CapturedLogs {
  const chunks: string[] = [];
  const keep = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(keep as typeof process.stdout.write);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(keep as typeof process.stderr.write);
  return {
    text: () => chunks.join(''),
    records: () =>
      chunks
        .join('')
        .split('\n')
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    restore: () => {
      out.mockRestore();
      err.mockRestore();
    },
  };
}

/** An email address, or a phone number in E.164 or French mobile form. */
export const PERSONAL_DATA = /@|\+\d{10,15}|\b0[67](?:[\s.]?\d{2}){4}\b/;
