#!/usr/bin/env node
// The `hygiene` command. The CLI is TypeScript, loaded through tsx so that `npx hygiene`
// works straight after `npm ci`, with no build step.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** the offline commands, which read big lists: run bundled, without tsx's loader thread (≈ 35 MB, and slower) */
const BUNDLED_COMMANDS = new Set(['check', 'gate']);

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
    // the IPC channel closes when this launcher dies, however it dies (even SIGKILL): the
    // stack then stops instead of running on, orphaned, with its ports bound (cli/up.ts)
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
  });
  // a stop signal goes to the child once: a terminal's Ctrl-C reaches it already (same
  // process group), a process manager's SIGTERM reaches only this launcher
  let forwarded = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
    process.on(signal, () => {
      if (forwarded) return;
      forwarded = true;
      child.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal);
    });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
} else {
  const bundle = BUNDLED_COMMANDS.has(process.argv[2] ?? '') ? await freshBundle() : undefined;
  let main;
  if (bundle) ({ main } = await import(pathToFileURL(bundle).href));
  else {
    const { register } = await import('tsx/esm/api');
    register();
    ({ main } = await import('../cli/main.ts'));
  }
  process.exitCode = await main(process.argv.slice(2));
}

/** Newest modification time (ms) of the sources the CLI is built from. */
function newestSource(dir = ROOT, depth = 0) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (depth === 0 && !['cli', 'shared', 'package.json'].includes(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path, depth + 1));
    else if (entry.name.endsWith('.ts') || entry.name === 'package.json')
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The CLI bundled by esbuild (as the Lambdas are), rebuilt when a source is newer; the
 * project's code inlined, packages left to node_modules. Undefined when esbuild is not
 * installed: the caller falls back to tsx.
 */
async function freshBundle() {
  const out = join(ROOT, 'node_modules', '.cache', 'prospect-hygiene', 'cli.mjs');
  try {
    if (statSync(out).mtimeMs >= newestSource()) return out;
  } catch {
    // not built yet
  }
  try {
    const { build } = await import('esbuild');
    const { outputFiles } = await build({
      entryPoints: [join(ROOT, 'cli', 'offline.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outfile: out,
      write: false,
      logLevel: 'silent',
    });
    // written aside then renamed: a command started meanwhile never reads half a file
    const tmp = `${out}.${process.pid}.tmp`;
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(tmp, outputFiles[0].contents);
    renameSync(tmp, out);
    return out;
  } catch {
    return undefined;
  }
}
