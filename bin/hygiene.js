#!/usr/bin/env node
// The `hygiene` command. The CLI is TypeScript, loaded through tsx so that `npx hygiene`
// works straight after `npm ci`, with no build step.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const LEGACY = '--openssl-legacy-provider';
// `hygiene up` prints product text; the functions it hosts log only warnings and errors
// (POWERTOOLS_LOG_LEVEL=INFO shows everything).
if (process.argv[2] === 'up') process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
// Node 20 is supported here; the SDK's notice about future releases is noise for users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// s3rver (hosted in-process by `hygiene up`) needs OpenSSL's legacy provider, else its
// paginated ListObjectsV2 answers 500; Node only takes that flag at start-up.
if (
  process.argv[2] === 'up' &&
  !process.execArgv.includes(LEGACY) &&
  !(process.env.NODE_OPTIONS ?? '').includes(LEGACY)
) {
  const child = spawn(process.execPath, [LEGACY, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}
