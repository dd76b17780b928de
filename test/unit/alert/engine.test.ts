import { describe, expect, it } from 'vitest';
import { AlertEngine } from '../../../src/alert/engine.js';
import type { AlertSum } from '../../../src/alert/sums.js';
import { AlertAccumulator } from '../../../src/alert/sums.js';
import { parseConfig } from '../../../src/config/parse.js';
import { SAMPLE_FLOW } from '../../fixtures/records.js';

const T0 = Date.parse('2026-11-30T12:00:00Z');

function rules(...sections: string[]) {
  return parseConfig(
    `[kafka]\n[tenant.lab]\nes_nodes = h:9200\n${sections.map((s, i) => `[alert.r${i}]\ntenant = lab\nwebhook = http://127.0.0.1:9/hook\n${s}`).join('\n')}\n`,
    'a.cfg',
  ).alerts;
}

/** One second of traffic: `bits` to each of `groups`, at second `s` after T0. */
const second = (s: number, bits: number, groups = ['198.51.100.7']): AlertSum[] =>
  groups.map((g) => ['destination.ip', Math.floor(T0 / 1000) + s, g, bits, bits / 8000, 1] as const);

/** Runs `seconds` seconds: each second, traffic(s) then a tick; returns the events by second. */
function run(engine: AlertEngine, seconds: number, traffic: (s: number) => AlertSum[], from = 0) {
  const events: Array<[number, string, string | undefined, number]> = [];
  for (let s = from; s < from + seconds; s++) {
    const now = T0 + s * 1000 + 500;
    engine.add(traffic(s), now);
    for (const e of engine.tick(now)) events.push([s, e.kind, e.group?.value, Math.round(e.value)]);
  }
  return events;
}

describe('alert engine', () => {
  it('fires once when the value stays above for long enough, then recovers below the hysteresis', () => {
    const engine = new AlertEngine(
      'lab',
      'ecs',
      rules(
        'group_by = destination.ip\nwindow = 10s\nabove = 500k\nfor = 5s\nrecover_below = 400k\nlateness = 0',
      ),
      T0,
    );
    // 1 Mbit/s for 40 s, then 450 kbit/s (between recover and threshold: still firing), then 0:
    // recovered once the window (10 s) holds under 4 s of 450 kbit/s.
    const events = run(engine, 90, (s) => (s < 40 ? second(s, 1e6) : s < 60 ? second(s, 4.5e5) : []));
    expect(events).toEqual([
      [15, 'firing', '198.51.100.7', 1e6],
      [61, 'recovered', '198.51.100.7', 3.6e5],
    ]);
    expect(engine.firing(T0 + 90_000)).toEqual([]);
    expect(engine.figures()[0]).toMatchObject({ firing: 0, groupsDropped: 0, late: 0 });
  });

  it('counts a whole window while records run ahead of the clock by the lateness allowance', () => {
    // Records arrive as they happen; the clock judges 5 s behind. The seconds between must not
    // take the place of the window's (they once did: the value was half the rate).
    const engine = new AlertEngine(
      'lab',
      'ecs',
      rules('group_by = destination.ip\nwindow = 10s\nabove = 500k\nfor = 2s\nlateness = 5s'),
      T0,
    );
    const events = run(engine, 30, (s) => second(s, 1e6));
    expect(events).toEqual([[17, 'firing', '198.51.100.7', 1e6]]);
    expect(engine.firing(T0 + 30_500)).toEqual([
      { rule: 'r0', group: '198.51.100.7', value: 1e6, since: '2026-11-30T12:00:12.000Z' },
    ]);
  });

  it('catches silence with a rule on all traffic, only once the window was watched whole', () => {
    const engine = new AlertEngine(
      'lab',
      'ecs',
      rules('value = flows_per_second\ngroup_by = none\nwindow = 5s\nbelow = 1\nfor = 3s\nlateness = 0'),
      T0,
    );
    const none = (s: number): AlertSum[] =>
      s >= 10 && s < 20 ? [['none', Math.floor(T0 / 1000) + s, '', 0, 0, 5]] : [];
    const events = run(engine, 40, none);
    // Silent from the start: fires once the first window was watched (5 s) and held 3 s. Traffic
    // (1 flow/s over the window at 10, 2 at 11) brings it back above 1; silence again (the window
    // empty from 24) fires again 3 s later.
    expect(events.map(([s, kind, group]) => [s, kind, group])).toEqual([
      [8, 'firing', undefined],
      [11, 'recovered', undefined],
      [27, 'firing', undefined],
    ]);
  });

  it('counts records outside the window as late, and keeps the largest groups past max_groups', () => {
    const engine = new AlertEngine(
      'lab',
      'ecs',
      rules('group_by = destination.ip\nwindow = 10s\nabove = 1G\nmax_groups = 3\nlateness = 2s'),
      T0,
    );
    const now = T0 + 60_000;
    // 30 s old: outside the window (clock = now - 2 s); 2 minutes ahead: not believed.
    engine.add([...second(30, 1e6), ...second(180, 1e6)], now);
    const groups = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    engine.add(
      groups.map((g, i) => ['destination.ip', Math.floor(now / 1000) - 3, g, (i + 1) * 1e3, 1, 1] as const),
      now,
    );
    engine.tick(now);
    expect(engine.figures()[0]).toMatchObject({ groups: 3, groupsDropped: 4, late: 2 });
    expect(engine.firing(now)).toEqual([]);
  });

  it('keeps the state of an unchanged rule across a reload and restarts a changed one', () => {
    const one = rules('group_by = destination.ip\nwindow = 5s\nabove = 100k\nlateness = 0');
    const engine = new AlertEngine('lab', 'ecs', one, T0);
    expect(run(engine, 10, (s) => second(s, 1e6)).map((e) => e[1])).toEqual(['firing']);
    engine.update(one, T0 + 10_000);
    expect(engine.firing(T0 + 10_500)).toHaveLength(1);
    engine.update(rules('group_by = destination.ip\nwindow = 5s\nabove = 200k\nlateness = 0'), T0 + 10_000);
    expect(engine.firing(T0 + 10_500)).toEqual([]);
    engine.update([], T0 + 10_000);
    expect(engine.size).toBe(0);
  });

  it('writes an event a receiver can act on: rule, tenant, group, value, threshold, since, query', () => {
    const engine = new AlertEngine(
      'lab',
      'legacy',
      rules('group_by = destination.ip\nwindow = 2s\nabove = 1k\nlateness = 0'),
      T0,
    );
    const now = T0 + 4500;
    engine.add(second(3, 8000), now);
    engine.add(second(4, 8000), now);
    expect(engine.tick(now)).toEqual([
      {
        kind: 'firing',
        rule: 'r0',
        tenant: 'lab',
        group: { by: 'destination.ip', value: '198.51.100.7' },
        value: 8000,
        unit: 'bits_per_second',
        condition: 'above',
        threshold: 1000,
        since: '2026-11-30T12:00:04.000Z',
        at: '2026-11-30T12:00:04.000Z',
        query: 'sflow_dstIP:"198.51.100.7" or smonnet_dstIPv6:"198.51.100.7"',
      },
    ]);
  });
});

describe('alert sums', () => {
  it('sums estimated bits, packets and flows per second and group, for each group-by once', () => {
    const acc = new AlertAccumulator(['destination.ip', 'none', 'destination.ip', 'in_if']);
    const t = Date.parse('2026-11-30T12:00:00.250Z');
    acc.add(SAMPLE_FLOW, t);
    acc.add(SAMPLE_FLOW, t + 500);
    acc.add({ ...SAMPLE_FLOW, dstIp: '192.0.2.99' }, t + 1000);
    const bits = SAMPLE_FLOW.frameLength * SAMPLE_FLOW.samplingRate * 8;
    const s = Math.floor(t / 1000);
    expect(acc.done()).toEqual([
      ['destination.ip', s, '89.160.20.130', 2 * bits, 1024, 2],
      ['destination.ip', s + 1, '192.0.2.99', bits, 512, 1],
      ['none', s, '', 2 * bits, 1024, 2],
      ['none', s + 1, '', bits, 512, 1],
      ['in_if', s, '192.0.2.1/12', 2 * bits, 1024, 2],
      ['in_if', s + 1, '192.0.2.1/12', bits, 512, 1],
    ]);
    expect(acc.done()).toEqual([]);
  });
});

describe('[alert.NAME] sections', () => {
  it('refuses what a rule cannot mean, every problem at once', () => {
    const text = [
      '[kafka]',
      '[tenant.lab]',
      'es_nodes = h:9200',
      'replicas = 2',
      '[alert.bad]',
      'tenant = nobody',
      'value = bytes',
      'group_by = colour',
      'above = lots',
      'below = 3',
      'window = 0s',
      'webhook = ftp://x',
      '[alert.twice]',
      'tenant = lab',
      'above = 5M',
      'webhook = http://127.0.0.1:9/h',
      '[alert.hysteresis]',
      'tenant = lab',
      'below = 5M',
      'recover_below = 6M',
      'webhook = http://127.0.0.1:9/h',
    ].join('\n');
    let messages: string[] = [];
    try {
      parseConfig(text, 'a.cfg');
    } catch (err) {
      messages = (err as { errors: Error[] }).errors.map((e) => e.message);
    }
    expect(messages).toEqual([
      "a.cfg [alert.bad] tenant: 'nobody' is not a tenant of this file",
      "a.cfg [alert.bad] value: 'bytes' is not one of bits_per_second, packets_per_second, flows_per_second",
      "a.cfg [alert.bad] group_by: 'colour' is not one of none, source.ip, destination.ip, destination.port, in_if, out_if, vlan",
      "a.cfg [alert.bad] above: 'lots' is not a number (suffixes k, M, G allowed)",
      'a.cfg [alert.bad] below: give exactly one of above and below',
      "a.cfg [alert.bad] webhook: 'ftp://x' is not an http(s) URL",
      "a.cfg [alert.bad] window: '0s' is not a duration from 1s to 3600s (like 60s, 2m, 1h)",
      'a.cfg [alert.twice] tenant: lab runs several replicas; alert rules need it to run one',
      'a.cfg [alert.hysteresis] recover_below: goes with above; use recover_above',
    ]);
  });
});
