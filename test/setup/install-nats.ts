/**
 * vitest globalSetup: makes sure a nats-server binary is there before any
 * test file starts one. On a fresh Debian machine `npm install && npm test`
 * must pass, and the NATS tests need a real server (SPEC §6), so when none
 * is found and this process may install system packages (root, apt-get
 * present) it installs Debian's `nats-server` once, as .ci/run does.
 * Otherwise it leaves things as they are: the tests that need a server then
 * fail, saying how to install it (test/setup/nats.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findNatsServer } from './nats.js';

function installed(): boolean {
  try {
    findNatsServer();
    return true;
  } catch {
    return false;
  }
}

export default function setup(): void {
  if (installed()) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !existsSync('/usr/bin/apt-get')) return;
  process.stderr.write('nats-server is missing: installing Debian\'s nats-server for the NATS tests (apt-get install -y nats-server)\n');
  const apt = (args: string[]) => execFileSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    apt(['install', '-y', 'nats-server']);
  } catch {
    // the package lists may be missing or stale on a fresh machine
    try {
      apt(['update']);
      apt(['install', '-y', 'nats-server']);
    } catch (e) {
      process.stderr.write(`could not install nats-server: ${(e as Error).message}\n`);
    }
  }
}
