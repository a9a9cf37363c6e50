#!/usr/bin/env node
// isolated-vm needs --no-node-snapshot on Node 20; re-run node with it when missing.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const flag = '--no-node-snapshot';
if (process.execArgv.includes(flag) || (process.env.NODE_OPTIONS ?? '').includes(flag)) {
  await import('../dist/cli/main.js');
} else {
  const child = spawn(process.execPath, [flag, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  // Ctrl-C reaches the child from the terminal (same process group): forwarding
  // it too would count as a second Ctrl-C. Signals sent to this pid are passed on.
  process.on('SIGINT', () => {});
  for (const sig of ['SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}
