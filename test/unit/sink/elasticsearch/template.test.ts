import { describe, expect, it } from 'vitest';
import { templatePriority } from '../../../../src/sink/elasticsearch/template.js';

describe('index template priorities', () => {
  it('rank a more specific prefix higher, so overlapping tenants coexist', () => {
    expect(templatePriority('sflow-lab').flows).toBeGreaterThan(templatePriority('sflow').flows);
    expect(templatePriority('sflow').counters).toBeGreaterThan(templatePriority('sflow').flows);
  });

  it('never give a flows and a counters template the same priority', () => {
    const prefixes = ['a', 'sflow', 'sflow-counters', 'lab42', 'x'.repeat(40)];
    const flows = new Set(prefixes.map((p) => templatePriority(p).flows));
    for (const p of prefixes) expect(flows.has(templatePriority(p).counters)).toBe(false);
  });
});
