/**
 * The reference pages' blocks that no topic test runs (docs/*.md), run as
 * written through test/docs/runner.ts, in order in one directory: the host
 * API's example, the scripts' first example and hosting, the persistence
 * overview and replay, the command-line tour and the two-process NATS
 * example, against a real nats-server.
 */
import { docSection } from '../setup/docs.js';
import { describeSections } from './runner.js';

const sections = [
  docSection('## Embedding the bus'),
  docSection('## Scripts', { intro: true }),
  docSection('### Hosting scripts from an application'),
  docSection('## Persistence, query and replay', { intro: true }),
  docSection('### Replay'),
  docSection('## Command line', { only: ['sh'] }),
  docSection('## Several processes: NATS JetStream', { only: ['sh'] }),
];

describeSections('docs/: the reference examples no topic test runs', 'reference-', sections);
