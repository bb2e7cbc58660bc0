import { defineConfig } from 'vitest/config';

/**
 * Two projects: the pure ones (the domain, the CSV reader, the CLI offline, the CDK
 * template) start no emulator; the integration and end-to-end tests share one set of
 * real emulators, started once by the global setup.
 */
const shared = {
  // Emulator round-trips and CDK synths are slower than pure unit tests.
  testTimeout: 60_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
};

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      { test: { ...shared, name: 'unit', include: ['test/unit/**/*.test.ts', 'test/infra/**/*.test.ts'] } },
      {
        test: {
          ...shared,
          name: 'emulators',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
