/**
 * vitest globalSetup: makes sure Debian's chromium is there before the
 * dashboard tests drive it. As for nats-server (install-nats.ts): when it
 * is missing and this process may install system packages (root, apt-get
 * present), it installs it once, as .ci/run does; otherwise it leaves
 * things as they are and those tests fail saying how to install it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findChromium } from './chromium.js';

function installed(): boolean {
  try {
    findChromium();
    return true;
  } catch {
    return false;
  }
}

export default function setup(): void {
  if (installed()) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !existsSync('/usr/bin/apt-get')) return;
  process.stderr.write("chromium is missing: installing Debian's chromium for the dashboard tests (apt-get install -y chromium)\n");
  const apt = (args: string[]) => execFileSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    apt(['install', '-y', 'chromium']);
  } catch {
    try {
      apt(['update']);
      apt(['install', '-y', 'chromium']);
    } catch (e) {
      process.stderr.write(`could not install chromium: ${(e as Error).message}\n`);
    }
  }
}
