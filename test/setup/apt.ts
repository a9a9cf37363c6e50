/**
 * What the globalSetup files share: install a Debian package the tests need
 * when it is missing and this process may (root, apt-get present), once,
 * as .ci/run does; otherwise leave things as they are, so the tests that
 * need it fail saying how to install it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** `found` throws when the program is not there; `why` says which tests need it. */
export function ensureDebianPackage(pkg: string, found: () => unknown, why: string): void {
  try {
    found();
    return;
  } catch {
    // missing: install it if we may
  }
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !existsSync('/usr/bin/apt-get')) return;
  process.stderr.write(`${pkg} is missing: installing Debian's ${pkg} for ${why} (apt-get install -y ${pkg})\n`);
  const apt = (args: string[]) => execFileSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    apt(['install', '-y', pkg]);
  } catch {
    // the package lists may be missing or stale on a fresh machine
    try {
      apt(['update']);
      apt(['install', '-y', pkg]);
    } catch (e) {
      process.stderr.write(`could not install ${pkg}: ${(e as Error).message}\n`);
    }
  }
}
