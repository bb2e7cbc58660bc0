/**
 * How every function is bundled: one definition for CDK (NodejsFunction's `bundling`),
 * the bundle bench (bench/functions.bench.ts) and the infra test that keeps each bundle
 * under its size limit (test/infra/bundles.test.ts) — so the sizes they see are the ones
 * deployed.
 */
import type { BuildOptions } from 'esbuild';

/** esbuild's options as NodejsFunction passes them (its `bundling`, in esbuild's words). */
export const FUNCTION_BUNDLING = {
  format: 'esm',
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  // The Node.js 22 runtime ships AWS SDK v3.
  externalModules: ['@aws-sdk/*'],
  // CommonJS dependencies bundled into an ES module still call require().
  banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
} as const;

/** The same bundle, built by esbuild directly (bench, tests): the source map is left out of the size. */
export function esbuildOptionsOf(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: FUNCTION_BUNDLING.format,
    target: FUNCTION_BUNDLING.target,
    mainFields: [...FUNCTION_BUNDLING.mainFields],
    minify: FUNCTION_BUNDLING.minify,
    external: [...FUNCTION_BUNDLING.externalModules],
    banner: { js: FUNCTION_BUNDLING.banner },
    metafile: true,
    logLevel: 'warning',
  };
}

/**
 * Issue 19: a function's bundle stays under this (KB of JavaScript, without its source
 * map). The ingestion's planner and range workers carry the CSV reader, the rules and
 * libphonenumber's full metadata (mobile or landline): 800 KB; every other function 500 KB.
 */
export function bundleLimitKb(name: string): number {
  return name === 'ingest-list' || name === 'ingest-range' ? 800 : 500;
}

/** A function's bundle as deployed: its size, and the AWS SDK packages it imports (left to the runtime). */
export interface FunctionBundle {
  name: string;
  path: string;
  bytes: number;
  /** loaded when the module initialises */
  sdkPackages: string[];
  /** loaded on first use (`import()`): a client only some invocations need */
  lazySdkPackages: string[];
}

/** Bundles `functions/<name>/handler.ts` into `outDir/<name>.mjs`, as CDK does. */
export async function bundleFunction(repoRoot: string, name: string, outDir: string): Promise<FunctionBundle> {
  const { build } = await import('esbuild');
  const path = `${outDir}/${name}.mjs`;
  const result = await build(esbuildOptionsOf(`${repoRoot}/functions/${name}/handler.ts`, path));
  const output = Object.entries(result.metafile?.outputs ?? {}).find(([file]) => file.endsWith('.mjs'))?.[1];
  const sdk = (dynamic: boolean) =>
    [
      ...new Set(
        (output?.imports ?? [])
          .filter((i) => i.external && i.path.startsWith('@aws-sdk/') && (i.kind === 'dynamic-import') === dynamic)
          .map((i) => i.path.split('/').slice(0, 2).join('/')),
      ),
    ].sort();
  return { name, path, bytes: output?.bytes ?? 0, sdkPackages: sdk(false), lazySdkPackages: sdk(true) };
}
