import { describe, expect, it } from 'vitest';
import { FlowMessage } from '../../../src/decode/goflow2-pb/fields.js';
import { emptyView } from '../../../src/decode/peek-view.js';
import { FLOW_COLUMNS } from '../../../src/decode/sflowtool/fields.js';
import { column, FLOW_FIELDS, type FlowFieldRow } from '../../../src/schema/flow-fields.js';
import { SAMPLE_FLOW } from '../../fixtures/records.js';
import { type Mapping, templateMappings } from '../../fixtures/templates.js';

const mappings = templateMappings;

/** The mapping type at a dotted path, or undefined where the template has none. */
const typeAt = (m: Mapping, path: string): string | undefined =>
  path.split('.').reduce<Mapping | undefined>((at, key) => at?.properties?.[key], m)?.type;

const rows = Object.entries(FLOW_FIELDS) as [string, FlowFieldRow][];

describe('the flow field table', () => {
  it('has a row for every field of a flow record', () => {
    const fields = Object.keys(SAMPLE_FLOW).filter((k) => k !== 'kind' && k !== 'timeMs');
    expect(rows.map(([f]) => f).sort()).toEqual(fields.sort());
  });

  it('is what the flow templates map: each field at its path, with its type, in both schemas', () => {
    const ecs = mappings('ecs-flows');
    const legacy = mappings('legacy-flows');
    for (const [field, row] of rows) {
      expect(typeAt(ecs, row.ecs[0]), `${field} at ${row.ecs[0]}`).toBe(row.ecs[1]);
      if (row.legacy)
        expect(typeAt(legacy, row.legacy[0]), `${field} at ${row.legacy[0]}`).toBe(row.legacy[1]);
    }
  });

  it("names goflow2's protobuf fields as its schema does, and sflowtool's columns once each", () => {
    for (const [field, row] of rows)
      if (row.protobuf) expect(FlowMessage.fields[row.protobuf], field).toBeDefined();
    const columns = Object.values(column('sflowtool')).sort((a, b) => a - b);
    expect(columns).toEqual(Array.from({ length: FLOW_COLUMNS - 1 }, (_, i) => i + 1));
  });

  it('gives the peek exactly the fields its view holds', () => {
    const peekable = rows.filter(([, row]) => row.peek).map(([f]) => f);
    expect(peekable.sort()).toEqual(Object.keys(emptyView()).sort());
  });
});
