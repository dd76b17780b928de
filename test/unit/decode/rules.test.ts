import { describe, expect, it } from 'vitest';
import {
  interfaceKind,
  interfaceValue,
  plausibleTime,
  printedInterfaceKind,
  rawInterface,
  samplingRateOf,
  vlanOf,
} from '../../../src/decode/rules.js';
import { IF_DISCARDED, IF_INTERNAL, IF_MULTIPLE, IF_SINGLE } from '../../../src/record.js';

describe('value rules', () => {
  it('keeps VLANs 1-4094 and makes anything else "no VLAN"', () => {
    expect([1, 42, 4094].map(vlanOf)).toEqual([1, 42, 4094]);
    expect([0, -1, 4095, 17877, 0xffffffff, 1.5].map(vlanOf)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("reads sFlow's interface formats: single, internal, several with a count, discarded with a reason", () => {
    const read = (raw: number) => [interfaceKind(raw), interfaceValue(raw)];
    expect(read(7)).toEqual([IF_SINGLE, 7]);
    expect(read(0x3fffffff)).toEqual([IF_INTERNAL, 0x3fffffff]);
    expect(read(2147483655)).toEqual([IF_MULTIPLE, 7]);
    expect(read(1073741825)).toEqual([IF_DISCARDED, 1]);
    for (const kind of [IF_SINGLE, IF_DISCARDED, IF_MULTIPLE] as const)
      expect(read(rawInterface(kind, 9))).toEqual([kind, 9]);
    // sflowtool prints compact samples without the format bits: only "internal" is left to see.
    expect([7, 0x3fffffff].map(printedInterfaceKind)).toEqual([IF_SINGLE, IF_INTERNAL]);
  });

  it('counts a sample of unknown rate as itself', () => {
    expect([0, 1, 512].map(samplingRateOf)).toEqual([1, 1, 512]);
  });

  it("believes a record's own time only within a year of its Kafka message's", () => {
    const kafka = Date.parse('2026-11-30T12:00:00Z');
    expect(plausibleTime(kafka - 3_600_000, kafka)).toBe(kafka - 3_600_000);
    expect(plausibleTime(kafka - 30 * 86_400_000, kafka)).toBe(kafka - 30 * 86_400_000);
    expect(plausibleTime(kafka + 400 * 86_400_000, kafka)).toBeUndefined();
    expect(plausibleTime(1e24, kafka)).toBeUndefined();
    expect(plausibleTime(Number.NaN, kafka)).toBeUndefined();
    expect(plausibleTime(undefined, kafka)).toBeUndefined();
    expect(plausibleTime(kafka, 0)).toBe(kafka);
  });
});
