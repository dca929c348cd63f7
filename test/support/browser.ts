// Launches Debian's Chromium (/usr/bin/chromium, installed by scripts/install-test-deps.sh) headless through
// playwright-core for the browser tests; never downloads a browser. Playwright gives each launch a fresh profile.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { REPO_ROOT } from './cli.js';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Flags that keep Chromium off the network it cannot reach here and away from GPU/sandbox features a CI box lacks. */
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

/** Starts headless Chromium; fails loudly when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (scripts/install-test-deps.sh) or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60_000 });
}

/** test-output/<name>/ (git-ignored): where browser tests leave screenshots for a person to look at. */
export async function screenshotDir(name: string): Promise<string> {
  const dir = path.join(REPO_ROOT, 'test-output', name);
  await mkdir(dir, { recursive: true });
  return dir;
}
