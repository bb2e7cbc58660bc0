import { describe, expect, it } from 'vitest';
import { bucketDefinition } from '#shared/resources';

describe('bucket lifecycle (rules.md §5: raw uploads and per-row reports, 30 days)', () => {
  it.each([bucketDefinition.prefixes.incoming, bucketDefinition.prefixes.reports])(
    'objects under %s expire after 30 days',
    (prefix) => {
      const rules = bucketDefinition.lifecycle.filter((rule) => rule.prefix === prefix);
      expect(rules).toHaveLength(1);
      expect(rules[0]?.expirationDays).toBe(30);
    },
  );

  it('expires nothing else (campaigns and ledger digests are kept)', () => {
    const prefixes = bucketDefinition.lifecycle.filter((rule) => 'expirationDays' in rule).map((rule) => rule.prefix);
    expect(prefixes).not.toContain(bucketDefinition.prefixes.campaigns);
    expect(prefixes).not.toContain(bucketDefinition.prefixes.ledgerDigests);
  });
});
