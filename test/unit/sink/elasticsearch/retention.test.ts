import { describe, expect, it } from 'vitest';
import { expiredIndices, indexDay } from '../../../../src/sink/elasticsearch/retention.js';

describe('retention', () => {
  const now = Date.parse('2026-11-30T15:00:00Z');

  it("keeps today and the N days before; deletes the tenant's older flow and counter indices", () => {
    const indices = [
      'lab-2026.11.30',
      'lab-2026.11.28',
      'lab-2026.11.27',
      'lab-counters-2026.11.27',
      'lab-counters-2026.11.28',
      'lab-2025.01.01',
    ];
    expect(expiredIndices(indices, 'lab', 2, now)).toEqual([
      'lab-2026.11.27',
      'lab-counters-2026.11.27',
      'lab-2025.01.01',
    ]);
  });

  it('never takes an index of a tenant whose prefix extends this one, or a name that is not a day', () => {
    const indices = [
      'lab-x-2020.01.01',
      'lab-x-counters-2020.01.01',
      'lab-2020.01.01-restored',
      'lab-2020.02.31',
      'lab-counters',
      'labx-2020.01.01',
      'lab.2020.01.01',
    ];
    expect(expiredIndices(indices, 'lab', 1, now)).toEqual([]);
    expect(indexDay('lab', 'lab-2020.02.29')).toBe(Date.UTC(2020, 1, 29));
    // A prefix with regular-expression characters in it is taken literally.
    expect(indexDay('a.b', 'aXb-2020.01.01')).toBeUndefined();
  });
});
