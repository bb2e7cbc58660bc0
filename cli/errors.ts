/** Exit codes of design.md §3.4. */
export const EXIT = { done: 0, refused: 1, usage: 2 } as const;

/**
 * Bad usage or unreadable input: printed as one line on stderr, exit 2, never a stack
 * trace. The message must not contain personal data (addresses, phone numbers).
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
