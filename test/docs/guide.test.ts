/**
 * The README's guide, run as written and in order in one directory, as a
 * reader would type it: each part's scripts are written to the files their
 * first lines name, its commands run through the real CLI, its programs
 * import 'crosstalk', and what each prints must be its `text` block (see
 * test/docs/runner.ts for the conventions). The NATS part runs against a
 * real nats-server.
 */
import { docSection } from '../setup/docs.js';
import { describeSections } from './runner.js';

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

describeSections('README: the guide, part by part', 'guide-', parts);
