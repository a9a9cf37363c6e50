import { defineConfig } from 'vitest/config';

// isolated-vm on Node 20 needs --no-node-snapshot, which worker threads
// reject; forked workers accept it.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup/fast-check.ts'],
    // install Debian's nats-server and chromium when they are missing and this may (root)
    globalSetup: ['test/setup/install-nats.ts', 'test/setup/install-chromium.ts'],
    pool: 'forks',
    execArgv: ['--no-node-snapshot'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
