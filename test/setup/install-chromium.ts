/**
 * vitest globalSetup: makes sure Debian's chromium is there before the
 * dashboard tests drive it, installing it when it is missing and this
 * process may, as for nats-server (apt.ts). Otherwise those tests fail
 * saying how to install it (chromium.ts).
 */
import { ensureDebianPackage } from './apt.js';
import { findChromium } from './chromium.js';

export default function setup(): void {
  ensureDebianPackage('chromium', findChromium, 'the dashboard tests');
}
