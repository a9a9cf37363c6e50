/**
 * `crosstalk publish TYPE [DATA]`: publish events from a shell, into the
 * processes joined to `--bus nats://…`, into a database (`--store`), or both.
 * `-` reads JSON Lines from stdin: `publish - ` takes one event per line in
 * the table form of `bus.publish` (`{"event_type": …, "data": …, …}`),
 * `publish TYPE -` one data value per line.
 *
 * All or nothing: every event (every line) is checked by the bus's own rules
 * on a scratch bus first, and a bad one stops the command, naming the line,
 * before anything is published.
 */
import type { Argv, CommandModule } from 'yargs';
import { createBus } from '../../core/bus.js';
import { CrosstalkError, describeValue } from '../../core/errors.js';
import { PRIORITIES, type JsonValue, type Priority } from '../../core/event.js';
import type { Bus, EventInit } from '../../core/types.js';
import { createMemoryStore } from '../../store/memory.js';
import { openStore } from '../../store/open.js';
import { parseBusUrl } from '../../transport/url.js';
import { storedSpec } from '../store/run.js';
import { progressBar } from '../store/progress.js';
import { usage } from '../usage.js';

interface PublishArgs {
  type: string;
  data?: string;
  persistent: boolean;
  ttl?: number;
  correlationId?: string;
  priority?: Priority;
  metadata?: string;
  bus?: string;
  store?: string;
  json: boolean;
}

/** stdin is held whole until every line is checked; past this it is refused */
export const MAX_STDIN_BYTES = 64 * 1024 * 1024;

/** Event fields a line of `publish -` may carry (the table form of publish). */
const LINE_KEYS = ['event_type', 'data', 'id', 'source', 'metadata', 'priority', 'correlation_id', 'persistent', 'ttl_seconds', 'language'];

function parseJson(text: string, what: string, code: 'INVALID_DATA' | 'INVALID_OPTION', option?: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (e) {
    const hint = /^[A-Za-z]/.test(text.trim()) ? ` (text must be quoted: '"${text.trim().slice(0, 20)}"')` : '';
    throw new CrosstalkError(code, `${what} is not JSON: ${(e as Error).message}${hint}`, option === undefined ? {} : { option });
  }
}

/** The flags' part of every event (a line's own fields win). */
function defaults(a: PublishArgs): Partial<EventInit> {
  const d: Partial<EventInit> = {};
  if (a.persistent) d.persistent = true;
  if (a.ttl !== undefined) d.ttl_seconds = a.ttl;
  if (a.correlationId !== undefined) d.correlation_id = a.correlationId;
  if (a.priority !== undefined) d.priority = a.priority;
  if (a.metadata !== undefined) {
    const m = parseJson(a.metadata, '--metadata', 'INVALID_OPTION', 'metadata');
    if (m === null || typeof m !== 'object' || Array.isArray(m)) throw usage(`--metadata must be a JSON object, got ${describeValue(m)}`, 'metadata');
    d.metadata = m;
  }
  return d;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_STDIN_BYTES) {
      throw usage(`stdin holds more than ${MAX_STDIN_BYTES / 1024 / 1024} MiB; publish it in parts (nothing was published)`, 'data');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The events the arguments (and stdin) describe, not yet checked against the bus's rules. */
async function eventsOf(a: PublishArgs, base: Partial<EventInit>): Promise<{ init: EventInit; line?: number }[]> {
  if (a.type !== '-' && a.data !== '-') {
    const data = a.data === undefined ? null : parseJson(a.data, 'DATA', 'INVALID_DATA');
    return [{ init: { ...base, event_type: a.type, data } }];
  }
  if (a.type === '-' && a.data !== undefined) throw usage('with - (events on stdin) there is no DATA argument: each line holds its data', 'data');
  const lines = (await readStdin()).split('\n');
  const out: { init: EventInit; line: number }[] = [];
  lines.forEach((text, i) => {
    if (text.trim() === '') return;
    const at = `stdin line ${i + 1}`;
    const value = parseJson(text, at, 'INVALID_DATA');
    if (a.type !== '-') {
      out.push({ init: { ...base, event_type: a.type, data: value }, line: i + 1 });
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new CrosstalkError('INVALID_DATA', `${at}: an event must be a JSON object {"event_type": …, "data": …}, got ${describeValue(value)}`);
    }
    const unknown = Object.keys(value).find((k) => !LINE_KEYS.includes(k));
    if (unknown !== undefined) throw new CrosstalkError('INVALID_OPTION', `${at}: unknown field ${JSON.stringify(unknown)}; an event line has ${LINE_KEYS.join(', ')}`);
    out.push({ init: { ...base, ...(value as object) } as EventInit, line: i + 1 });
  });
  if (out.length === 0) throw usage('stdin held no events (one JSON value per line)', 'data');
  return out;
}

/**
 * Publishes every event on a scratch bus (no transport, a throwaway memory
 * store), so each is held to exactly the rules of a real publish. Throws
 * naming the line.
 */
async function checkAll(events: { init: EventInit; line?: number }[]): Promise<void> {
  const scratch = createBus({ store: createMemoryStore({ sweepIntervalMs: 0 }), component: 'crosstalk-publish' });
  try {
    for (const e of events) {
      try {
        await scratch.publish(e.init);
      } catch (err) {
        if (!(err instanceof CrosstalkError) || e.line === undefined) throw err;
        throw new CrosstalkError(err.code, `stdin line ${e.line}: ${err.message} (nothing was published)`, err.option ? { option: err.option } : {});
      }
    }
  } finally {
    await scratch.close();
  }
}

export const publishCommand: CommandModule<object, PublishArgs> = {
  command: 'publish <type> [data]',
  describe: 'publish an event (or JSON Lines from stdin) into running processes (--bus) or a database (--store)',
  builder: (y: Argv<object>) =>
    y
      .positional('type', { type: 'string', describe: 'the event type, or - for events as JSON Lines on stdin' })
      .positional('data', { type: 'string', describe: 'the data as JSON (default null), or - for one data value per stdin line' })
      .option('bus', { type: 'string', describe: 'publish to every process joined to nats://host:port' })
      .option('store', { type: 'string', describe: 'store the events in this database: sqlite:PATH or PATH.db (it must have no other writer)' })
      .option('persistent', { type: 'boolean', default: false, describe: 'keep the events (in JetStream with --bus; in the --store database)' })
      .option('ttl', { type: 'number', describe: 'life of a kept event in seconds (implies --persistent)' })
      .option('correlation-id', { alias: 'c', type: 'string', describe: 'source.correlation_id of every event' })
      .option('priority', { choices: PRIORITIES, describe: 'priority of every event (default normal)' })
      .option('metadata', { type: 'string', describe: 'metadata of every event, a JSON object' })
      .option('json', { type: 'boolean', default: false, describe: 'print {"id", "event_type"} per event as JSON Lines' })
      .example(`$0 publish order.paid '{"order": 42, "amount": 99.5}' --bus nats://127.0.0.1:4222`, 'into every joined process')
      .example(`$0 publish audit.login '{"user": "ann"}' --store ./events.db`, 'straight into a database')
      .example(`jq -c '.[]' orders.json | $0 publish order.imported - --store ./events.db`, 'one event per input line') as unknown as Argv<PublishArgs>,
  handler: async (argv) => {
    // everything is checked before anything is opened or published
    if (argv.bus === undefined && argv.store === undefined) {
      throw usage('publish needs somewhere to publish: --bus nats://host:port (running processes) and/or --store PATH (a database)', 'bus');
    }
    if (argv.bus !== undefined) parseBusUrl(argv.bus);
    if (argv.store !== undefined) storedSpec(argv.store, 'publish');
    if (argv.type === '-' && argv.data === '-') throw usage('give - once: as TYPE (whole events per line) or as DATA (data per line)', 'data');
    const base = defaults(argv);
    // a database with no bus keeps every event: an unkept event would reach nobody
    if (argv.bus === undefined) base.persistent ??= true;
    const events = await eventsOf(argv, base);
    if (argv.bus === undefined && events.some((e) => e.init.persistent === false)) {
      const line = events.find((e) => e.init.persistent === false)!.line;
      throw usage(`${line ? `stdin line ${line}: ` : ''}"persistent": false with --store only reaches nobody: drop it, or add --bus`, 'persistent');
    }
    await checkAll(events);
    await publishAll(argv, events.map((e) => e.init));
  },
};

async function publishAll(argv: PublishArgs, events: EventInit[]): Promise<void> {
  const transport = argv.bus === undefined ? null : await (await import('../../transport/nats.js')).connectNats(argv.bus);
  let bus: Bus;
  try {
    const store = argv.store === undefined ? null : openStore(`sqlite:${storedSpec(argv.store, 'publish').path}`, { sweepIntervalMs: 0 });
    bus = createBus({ store, transport, component: 'crosstalk-publish' });
  } catch (e) {
    await transport?.close();
    throw e;
  }
  const out: string[] = [];
  // events from stdin may be many: a bar on a terminal (the ids are printed at the end)
  const progress = argv.type === '-' || argv.data === '-' ? progressBar('publish', events.length) : null;
  try {
    for (const init of events) {
      const id = await bus.publish(init);
      out.push(argv.json ? JSON.stringify({ id, event_type: init.event_type }) : id);
      progress?.update(out.length);
    }
    // stored and acknowledged (JetStream, the database) before saying so
    await bus.flush();
    progress?.finish(out.length);
  } finally {
    // closes the transport and the store too
    await bus.close();
  }
  process.stdout.write(`${out.join('\n')}\n`);
  const where = [argv.bus !== undefined ? parseBusUrl(argv.bus).display : null, argv.store ?? null].filter(Boolean).join(' and ');
  process.stderr.write(`published ${events.length} event${events.length === 1 ? '' : 's'} to ${where}\n`);
}
