/**
 * The README's guide, run as written and in order in one directory, as a
 * reader would type it: each part's scripts are written to the files their
 * first lines name, its commands run through the real CLI, its programs
 * import 'crosstalk', and what each prints must be its `text` block (see
 * test/docs/runner.ts for the conventions). The NATS part runs against a
 * real nats-server.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { docSection } from '../setup/docs.js';
import { startNatsServer, type NatsServer } from '../setup/nats.js';
import { docScratch, runSection } from './runner.js';

const parts = [
  docSection('## Publishing and subscribing from scripts'),
  docSection('## Choosing events with patterns'),
  docSection('## The Event API in brief'),
  docSection('## Running several scripts'),
  docSection('## Embedding crosstalk in an application'),
  docSection('## Keeping events: persistence, query and replay'),
  docSection('## Several processes over NATS'),
  docSection('## Seeing what happens'),
  docSection('## Development'),
];

const scratch = docScratch('guide-');
let server: NatsServer;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.stop();
  scratch.remove();
});

describe('README: the guide, part by part', () => {
  for (const part of parts) {
    it(`${part.heading} (README.md:${part.line})`, async () => {
      await runSection(part, scratch.dir, server.url);
    }, 90_000);
  }
});
