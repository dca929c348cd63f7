// Build information of this thanos-ts, read once from package.json (no build step stamps it).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export interface BuildInfo {
  readonly version: string;
  readonly revision: string;
  readonly branch: string;
  readonly buildUser: string;
  readonly buildDate: string;
  readonly goVersion: string;
}

let cached: BuildInfo | undefined;

export function buildInfo(): BuildInfo {
  if (cached) return cached;
  // src/runtime/version.ts and dist/runtime/version.js are both two levels below the package root.
  const pkgPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json');
  let version = 'unknown';
  try {
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { version?: unknown };
    if (typeof pkg.version === 'string') version = pkg.version;
  } catch {
    // A relocated bundle without package.json still runs; it just reports an unknown version.
  }
  cached = {
    version,
    revision: process.env['THANOS_TS_REVISION'] ?? 'unknown',
    branch: process.env['THANOS_TS_BRANCH'] ?? 'unknown',
    buildUser: 'unknown',
    buildDate: 'unknown',
    // Upstream reports the Go version here; the runtime of thanos-ts is Node.
    goVersion: `node${process.versions.node}`,
  };
  return cached;
}
