/**
 * Per-second traffic sums for alert rules, built in the processing threads as records pass: for
 * each group-by the tenant's rules use, per second of event time and per group, the estimated
 * bits, packets and flows. Only these sums cross back to the worker's main thread, where the rules
 * keep their windows (alert/engine.ts).
 */
import type { FlowRecord } from '../record.js';
import { type GroupBy, groupByRow } from './group-by.js';

/** [group-by, second (epoch s), group, bits, packets, flows]. */
export type AlertSum = readonly [GroupBy, number, string, number, number, number];

interface Dimension {
  readonly groupBy: GroupBy;
  readonly of: (r: FlowRecord) => string;
  readonly seconds: Map<number, Map<string, number[]>>;
  lastSecond: number;
  lastGroups: Map<string, number[]> | undefined;
}

export class AlertAccumulator {
  private readonly dims: Dimension[];

  constructor(groupBys: readonly GroupBy[]) {
    this.dims = [...new Set(groupBys)].map((groupBy) => ({
      groupBy,
      of: groupByRow(groupBy).of,
      seconds: new Map(),
      lastSecond: Number.NaN,
      lastGroups: undefined,
    }));
  }

  add(r: FlowRecord, timeMs: number): void {
    const second = Math.floor(timeMs / 1000);
    const bits = r.frameLength * r.samplingRate * 8;
    for (const d of this.dims) {
      // Records of a batch nearly always share their second: its map is kept at hand.
      if (second !== d.lastSecond) {
        d.lastSecond = second;
        d.lastGroups = d.seconds.get(second);
        if (d.lastGroups === undefined) {
          d.lastGroups = new Map();
          d.seconds.set(second, d.lastGroups);
        }
      }
      const group = d.of(r);
      const sums = d.lastGroups!.get(group);
      if (sums === undefined) d.lastGroups!.set(group, [bits, r.samplingRate, 1]);
      else {
        sums[0]! += bits;
        sums[1]! += r.samplingRate;
        sums[2]!++;
      }
    }
  }

  /** The sums so far, flat (they cross threads), and a fresh start. */
  done(): AlertSum[] {
    const out: AlertSum[] = [];
    for (const d of this.dims) {
      for (const [second, groups] of d.seconds)
        for (const [group, [bits, packets, flows]] of groups)
          out.push([d.groupBy, second, group, bits!, packets!, flows!]);
      d.seconds.clear();
      d.lastSecond = Number.NaN;
      d.lastGroups = undefined;
    }
    return out;
  }
}
