/**
 * The Rust original's example scripts (rs-llmspell's examples/lua/events,
 * the seven that are valid Lua; see test/fixtures/rust-examples/README.md)
 * run unmodified through the real script host, each on a bus of its own;
 * the test checks the counts and matches they print. Two of them sleep with
 * `os.execute("sleep N")` (docs/scripts.md "Timers and sleep").
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { UniversalEvent } from '../../src/core/event.js';
import type { ScriptResult } from '../../src/scripting/engine.js';
import { runScripts } from '../../src/scripting/host.js';
import { createBus } from '../setup/bus.js';

const DIR = path.join(__dirname, '../fixtures/rust-examples');

async function runExample(file: string): Promise<{ result: ScriptResult; lines: string[]; events: UniversalEvent[] }> {
  const bus = createBus();
  const seen = bus.subscribe('**', { max_queue_size: 100_000 });
  const lines: string[] = [];
  const [result] = await runScripts(bus, [{ name: file, source: readFileSync(path.join(DIR, file), 'utf8') }], {
    output: (_script, text) => lines.push(...text.split('\n').map((l) => l.replace(/\t/g, ' '))),
    limits: { deadlineMs: 60_000 },
  });
  const events = seen.drain().filter((e) => !e.event_type.startsWith('crosstalk.'));
  await bus.close();
  return { result: result!, lines, events };
}

describe("the Rust original's example scripts, unmodified", () => {
  it('event-basic.lua: subscribes, publishes, receives and matches patterns', async () => {
    const { result, lines } = await runExample('event-basic.lua');
    expect(result.error ?? result.ok).toBe(true);
    expect(lines).toEqual(
      expect.arrayContaining([
        '   📊 Total events published: 5',
        '   📊 Total events received: 3',
        '     • Deep nested value: nested content',
        '   📨 error_events matched: application.error',
        '   📨 success_events matched: payment.success',
        '   📨 user_login_events matched: user.login',
        '   📋 Subscriptions after cleanup: 3',
      ]),
    );
  });

  it('event-patterns.lua: each wildcard pattern gets exactly its matches', async () => {
    const { result, lines } = await runExample('event-patterns.lua');
    expect(result.error ?? result.ok).toBe(true);
    const counts = lines.filter((l) => l.startsWith('   🎯 ') && l.includes('matches')).map((l) => l.replace(/\s+/g, ' ').trim());
    expect(counts).toEqual([
      '🎯 user_all (user.*): 5 matches',
      '🎯 system_all (system.*): 5 matches',
      '🎯 database_all (database.*): 4 matches',
      '🎯 all_errors (*.error): 4 matches',
      '🎯 all_warnings (*.warning): 2 matches',
      '🎯 all_success (*.success): 2 matches',
      '🎯 all_info (*.info): 2 matches',
      '🎯 api_endpoints (api.*.*): 3 matches',
      '🎯 user_actions (user.action.*): 2 matches',
      '🎯 system_health (system.health.*): 2 matches',
      '🎯 auth_events (auth.*): 2 matches',
      '🎯 payment_events (payment.*): 4 matches',
      '🎯 notification_events (notification.*): 3 matches',
    ]);
    expect(lines).toEqual(
      expect.arrayContaining([
        '   📊 Published 33 test events',
        '   • Total matches found: 40',
        // an empty pattern is refused (INVALID_PATTERN); the script expects that
        "   ❌ empty_pattern: '' (failed)",
        '   🎯 deep_nesting matched: api.v1.users.profile.avatar',
        '   🎯 special_chars matched: event-with-dashes',
      ]),
    );
  });

  it('event-performance.lua: streams 200 events with os.execute("sleep 0.01") every 10, then stops where the original does', async () => {
    const { result, lines, events } = await runExample('event-performance.lua');
    expect(lines.some((l) => l.startsWith('   ✅ Created 20 subscriptions in '))).toBe(true);
    expect(lines.some((l) => l.startsWith('   ✅ Published 200 events in '))).toBe(true);
    expect(lines.some((l) => l.startsWith('   ✅ Received 200 events in '))).toBe(true);
    const stream = events.filter((e) => e.event_type === 'performance.streaming.sensor');
    expect(stream).toHaveLength(200);
    // 19 sleeps of 10 ms lie between the first and the last of them
    expect(Date.parse(stream[199]!.timestamp) - Date.parse(stream[0]!.timestamp)).toBeGreaterThanOrEqual(170);
    // line 392 formats what its measure_time returned first, the publish's
    // result, with %.2f: an event id here, `true` in the original — an error
    // in both ("number expected, got boolean" there)
    expect(result.error).toMatchObject({ code: 'SCRIPT_ERROR', line: 392, message: "bad argument #4 to 'format' (number expected, got string)" });
  });

  it('event-statistics.lua: counts what each subscription received', async () => {
    const { result, lines } = await runExample('event-statistics.lua');
    expect(result.error ?? result.ok).toBe(true);
    expect(lines).toEqual(
      expect.arrayContaining([
        '   • user.*: 4 events received',
        '   • system.*: 5 events received',
        '   • *.error: 3 events received',
        '   • audit.*: 0 events received',
        '   • Published: 21, Received: 20, Errors: 0',
        '   • Total events published: 21',
      ]),
    );
  });

  it('event-subscription-management.lua: creates, checks, cleans up and counts subscriptions', async () => {
    const { result, lines } = await runExample('event-subscription-management.lua');
    expect(result.error ?? result.ok).toBe(true);
    expect(lines).toEqual(
      expect.arrayContaining([
        '   📊 Initial subscription count: 5',
        '   📊 Total subscriptions after advanced patterns: 12',
        '   📊 Health check results: 12 healthy, 0 unhealthy',
        '   📨 error_events: 1 events received (total: 1)',
        '   • Total subscriptions created: 15',
      ]),
    );
    // the 3 that never received anything are inactive (more if the machine is slow: idle > 5 s counts too)
    const [, inactive, active] = /^ {3}📊 Found (\d+) inactive and (\d+) active subscriptions$/.exec(lines.find((l) => l.includes(' inactive and '))!)!;
    expect(Number(inactive)).toBeGreaterThanOrEqual(3);
    expect(Number(inactive) + Number(active)).toBe(12);
    expect(lines).toContain(`   📊 Subscriptions after cleanup: ${active}`);
  });

  it('event-timeout-handling.lua: receives what is there, times out where nothing is, and waits its timeouts', async () => {
    const { result, lines } = await runExample('event-timeout-handling.lua');
    expect(result.error ?? result.ok).toBe(true);
    expect(lines).toEqual(
      expect.arrayContaining([
        '   ✅ Event received: timeout.immediate.available',
        '   ✅ Event received: timeout.short.ready',
        '   ✅ Event received: timeout.variable.delayed_short',
        '   • Total timeout tests: 9',
        '   ✅ Final subscription count: 0',
      ]),
    );
    expect(lines.filter((l) => l.startsWith('   ⏰ Timeout after ')).length).toBeGreaterThanOrEqual(3);
    // its three guaranteed timeouts alone wait 200 + 500 + 1000 ms
    expect(result.durationMs).toBeGreaterThanOrEqual(1700);
  });

  it('event-workflow-coordination.lua: runs its workflows, sleeping each step with os.execute("sleep " .. seconds)', async () => {
    const { result, lines, events } = await runExample('event-workflow-coordination.lua');
    expect(result.error ?? result.ok).toBe(true);
    expect(lines).toEqual(expect.arrayContaining(['   ✅ Workflow coordination channels established', '   • Total workflows created: 4']));
    // each step succeeds by the script's own dice (95 % for the first): one line per step run, until one fails
    const steps = lines.filter((l) => /^ {3}(✅ Step \d\/4: \w+ completed|❌ Step \d\/4: \w+ failed) \(\d+ms\)$/.test(l));
    expect(steps.length).toBeGreaterThan(0);
    expect(events.length).toBeGreaterThan(20);
    // the steps' sleeps (tens to hundreds of ms each) are real
    expect(result.durationMs).toBeGreaterThanOrEqual(2000);
  });
});
