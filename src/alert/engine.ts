/**
 * A tenant's alert rules over the per-second sums of its flows (alert/sums.ts). Each rule keeps,
 * per group, a sliding window of per-second buckets over event time. The clock that evaluates
 * them is the wall clock less the rule's allowance for late records, so a "no flows" rule sees
 * silence, and a second is judged once its late records had time to arrive. Firing and recovery
 * are events, one firing per group until it recovers. Pure but for the time it is given.
 */
import type { Schema } from '../config/types.js';
import { type AlertValue, type GroupBy, groupByRow } from './group-by.js';
import type { AlertRule } from './rule.js';
import type { AlertSum } from './sums.js';

export interface AlertEvent {
  readonly kind: 'firing' | 'recovered';
  readonly rule: string;
  readonly tenant: string;
  /** The group, or null for a rule grouped by `none`. */
  readonly group: { readonly by: GroupBy; readonly value: string } | null;
  readonly value: number;
  readonly unit: AlertValue;
  readonly condition: 'above' | 'below';
  readonly threshold: number;
  /** When the condition began to hold (firing) or when the group fired (recovered). */
  readonly since: string;
  readonly at: string;
  /** KQL for the group's flows in the tenant's Kibana. */
  readonly query: string;
}

export interface FiringGroup {
  readonly rule: string;
  readonly group: string | null;
  readonly value: number;
  readonly since: string;
}

export interface RuleFigures {
  readonly rule: string;
  readonly firing: number;
  readonly groups: number;
  /** Groups not tracked because the rule had max_groups already. */
  readonly groupsDropped: number;
  /** Flows outside the window when they arrived (too late, or far in the future). */
  readonly late: number;
}

const VALUE_INDEX: Readonly<Record<AlertValue, number>> = {
  bits_per_second: 0,
  packets_per_second: 1,
  flows_per_second: 2,
};
/** Records this far ahead of the wall clock are not believed (agents' clocks drift a little). */
const AHEAD_S = 5;

interface GroupState {
  /** Slot i holds second stamps[i]; a slot of another second counts as empty. */
  readonly sums: Float64Array;
  readonly stamps: Float64Array;
  pendingSince: number | undefined;
  firingSince: number | undefined;
}

class RuleState {
  readonly groups = new Map<string, GroupState>();
  /** Seconds in the window. */
  readonly window: number;
  /**
   * Seconds the ring holds: the window, and the seconds after the clock that records already
   * fill (the lateness allowance, and a little for agents ahead of time), which must not
   * overwrite the window's.
   */
  readonly slots: number;
  groupsDropped = 0;
  late = 0;

  constructor(
    readonly rule: AlertRule,
    readonly startedMs: number,
  ) {
    this.window = Math.ceil(rule.windowMs / 1000);
    this.slots = this.window + Math.ceil(rule.latenessMs / 1000) + AHEAD_S;
  }

  group(key: string, create: boolean): GroupState | undefined {
    let g = this.groups.get(key);
    // Past the cap, new groups wait for the next evaluation to evict the smallest ones.
    if (g === undefined && create) {
      if (this.groups.size >= 2 * this.rule.maxGroups) {
        this.groupsDropped++;
        return undefined;
      }
      g = {
        sums: new Float64Array(this.slots),
        stamps: new Float64Array(this.slots).fill(-1),
        pendingSince: undefined,
        firingSince: undefined,
      };
      this.groups.set(key, g);
    }
    return g;
  }

  add(second: number, key: string, amount: number, flows: number, clockS: number): void {
    if (second <= clockS - this.window || second > clockS + this.slots - this.window) {
      this.late += flows;
      return;
    }
    const g = this.group(key, true);
    if (!g) return;
    const slot = second % this.slots;
    if (g.stamps[slot] !== second) {
      g.stamps[slot] = second;
      g.sums[slot] = 0;
    }
    g.sums[slot]! += amount;
  }

  /** The group's value at second `clockS`: the window (clockS - window, clockS], per second. */
  value(g: GroupState, clockS: number): number {
    let total = 0;
    for (let i = 0; i < this.slots; i++) {
      const s = g.stamps[i]!;
      if (s > clockS - this.window && s <= clockS) total += g.sums[i]!;
    }
    return total / (this.rule.windowMs / 1000);
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

export class AlertEngine {
  private rules = new Map<string, RuleState>();

  constructor(
    private readonly tenant: string,
    private readonly schema: Schema,
    rules: readonly AlertRule[],
    nowMs: number,
  ) {
    this.update(rules, nowMs);
  }

  /** Rules added, changed or removed: a changed rule starts again from nothing. */
  update(rules: readonly AlertRule[], nowMs: number): void {
    const next = new Map<string, RuleState>();
    for (const rule of rules.filter((r) => r.tenant === this.tenant)) {
      const was = this.rules.get(rule.name);
      const same = was && JSON.stringify(was.rule.source) === JSON.stringify(rule.source);
      next.set(rule.name, same ? was : new RuleState(rule, nowMs));
    }
    this.rules = next;
  }

  get size(): number {
    return this.rules.size;
  }

  /** Adds a batch's sums to the windows of the rules grouped that way. */
  add(sums: readonly AlertSum[], nowMs: number): void {
    if (sums.length === 0) return;
    for (const state of this.rules.values()) {
      const { rule } = state;
      const index = VALUE_INDEX[rule.value];
      const clockS = Math.floor((nowMs - rule.latenessMs) / 1000);
      for (const sum of sums) {
        if (sum[0] !== rule.groupBy) continue;
        state.add(sum[1], sum[2], sum[3 + index] as number, sum[5], clockS);
      }
    }
  }

  /** Evaluates every rule at `nowMs`; the events that result. */
  tick(nowMs: number): AlertEvent[] {
    const events: AlertEvent[] = [];
    for (const state of this.rules.values()) {
      const { rule } = state;
      const clockS = Math.floor((nowMs - rule.latenessMs) / 1000);
      const clockMs = clockS * 1000;
      // Until the window was watched whole, a low value only means smonnet just started.
      if (clockMs < state.startedMs + rule.windowMs) continue;
      // A rule on all traffic has its one group even when no flow came.
      if (rule.groupBy === 'none') state.group('', true);
      this.evict(state, clockS);
      for (const [key, g] of state.groups) {
        const value = state.value(g, clockS);
        const event = (kind: AlertEvent['kind'], sinceMs: number): AlertEvent => ({
          kind,
          rule: rule.name,
          tenant: this.tenant,
          group: rule.groupBy === 'none' ? null : { by: rule.groupBy, value: key },
          value,
          unit: rule.value,
          condition: rule.direction,
          threshold: rule.threshold,
          since: iso(sinceMs),
          at: iso(clockMs),
          query: groupByRow(rule.groupBy).query(key, this.schema),
        });
        if (g.firingSince !== undefined) {
          const recovered = rule.direction === 'above' ? value < rule.recover : value > rule.recover;
          if (recovered) {
            events.push(event('recovered', g.firingSince));
            g.firingSince = undefined;
            g.pendingSince = undefined;
          }
          continue;
        }
        const holds = rule.direction === 'above' ? value > rule.threshold : value < rule.threshold;
        if (!holds) {
          g.pendingSince = undefined;
          // Nothing in the window and nothing to watch: forgotten (an "above" group can come back).
          if (value === 0 && rule.direction === 'above') state.groups.delete(key);
          continue;
        }
        g.pendingSince ??= clockMs;
        if (clockMs - g.pendingSince >= rule.forMs) {
          g.firingSince = clockMs;
          events.push(event('firing', g.pendingSince));
        }
      }
    }
    return events;
  }

  /** Beyond max_groups, the smallest groups that are not firing are let go. */
  private evict(state: RuleState, clockS: number): void {
    const excess = state.groups.size - state.rule.maxGroups;
    if (excess <= 0) return;
    const candidates = [...state.groups]
      .filter(([, g]) => g.firingSince === undefined)
      .map(([key, g]) => [key, state.value(g, clockS)] as const)
      .sort((a, b) => a[1] - b[1])
      .slice(0, excess);
    for (const [key] of candidates) state.groups.delete(key);
    state.groupsDropped += candidates.length;
  }

  firing(nowMs: number): FiringGroup[] {
    const out: FiringGroup[] = [];
    for (const state of this.rules.values()) {
      const clockS = Math.floor((nowMs - state.rule.latenessMs) / 1000);
      for (const [key, g] of state.groups)
        if (g.firingSince !== undefined)
          out.push({
            rule: state.rule.name,
            group: state.rule.groupBy === 'none' ? null : key,
            value: state.value(g, clockS),
            since: iso(g.firingSince),
          });
    }
    return out;
  }

  figures(): RuleFigures[] {
    return [...this.rules.values()].map((s) => ({
      rule: s.rule.name,
      firing: [...s.groups.values()].filter((g) => g.firingSince !== undefined).length,
      groups: s.groups.size,
      groupsDropped: s.groupsDropped,
      late: s.late,
    }));
  }
}
