import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { samplingRates } from '../../../src/enrich/sampling.js';

const rules = (section: string) => parseConfig(`[kafka]\n[sampling]\n${section}\n`, 's.cfg').sampling;

describe('sampling rates', () => {
  it('gives records without a rate a default, by interface, agent, network or for all', () => {
    const rate = samplingRates(
      rules('default = 1000\ndefault 192.0.2.0/24 = 512\ndefault 192.0.2.7 = 256\ndefault 192.0.2.7@3 = 128'),
    )!;
    expect(rate('198.51.100.1', 1, 0)).toBe(1000);
    expect(rate('192.0.2.1', 1, 0)).toBe(512);
    expect(rate('192.0.2.7', 1, 0)).toBe(256);
    expect(rate('192.0.2.7', 3, 0)).toBe(128);
    // A record that carries a rate keeps it: defaults are for records without one.
    expect(rate('192.0.2.7', 3, 2048)).toBe(2048);
  });

  it('overrides the rate a device reports, the interface rule first', () => {
    const rate = samplingRates(rules('override 2001:db8::1 = 4096\noverride 2001:db8::1@12 = 8192'))!;
    expect(rate('2001:db8::1', 1, 100)).toBe(4096);
    expect(rate('2001:db8::1', 12, 100)).toBe(8192);
    expect(rate('2001:db8::2', 12, 100)).toBe(100);
    expect(rate('2001:db8::2', 12, 0)).toBe(0);
  });

  it('costs nothing without rules, and refuses what it cannot read', () => {
    expect(samplingRates(rules(''))).toBeUndefined();
    expect(() =>
      rules('override = 10\ndefault x = 5\ndefault 192.0.2.0/24@1 = 5\ndefault 192.0.2.1 = 0'),
    ).toThrow(
      /\[sampling\] override: is not 'default'.*\[sampling\] default x: 'x' is not.*\[sampling\] default 192\.0\.2\.0\/24@1: an interface rule names one agent address.*\[sampling\] default 192\.0\.2\.1: '0' is not a sampling rate/s,
    );
  });
});
