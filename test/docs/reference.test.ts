/**
 * The reference pages' blocks that no topic test runs (docs/*.md), run as
 * written through test/docs/runner.ts, in order in one directory: the host
 * API's example, the scripts' first example and hosting, the persistence
 * overview and replay, the command-line tour and the two-process NATS
 * example, against a real nats-server.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { docSection } from '../setup/docs.js';
import { startNatsServer, type NatsServer } from '../setup/nats.js';
import { docScratch, runSection } from './runner.js';

const sections = [
  docSection('## Embedding the bus'),
  docSection('## Scripts', { intro: true }),
  docSection('### Hosting scripts from an application'),
  docSection('## Persistence, query and replay', { intro: true }),
  docSection('### Replay'),
  docSection('## Command line', { only: ['sh'] }),
  docSection('## Several processes: NATS JetStream', { only: ['sh'] }),
];

const scratch = docScratch('reference-');
let server: NatsServer;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.stop();
  scratch.remove();
});

describe('docs/: the reference examples no topic test runs', () => {
  for (const s of sections) {
    it(`${s.heading} (${s.file}:${s.line})`, async () => {
      await runSection(s, scratch.dir, server.url);
    }, 90_000);
  }
});
