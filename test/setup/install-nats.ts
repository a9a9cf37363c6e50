/**
 * vitest globalSetup: makes sure a nats-server binary is there before any
 * test file starts one. On a fresh Debian machine `npm install && npm test`
 * must pass, and the NATS tests need a real server (docs/nats.md "Several processes: NATS JetStream"), so when none
 * is found and this process may install system packages (root, apt-get
 * present) it installs Debian's `nats-server` once, as .ci/run does.
 * Otherwise it leaves things as they are: the tests that need a server then
 * fail, saying how to install it (test/setup/nats.ts).
 */
import { ensureDebianPackage } from './apt.js';
import { findNatsServer } from './nats.js';

export default function setup(): void {
  ensureDebianPackage('nats-server', findNatsServer, 'the NATS tests');
}
