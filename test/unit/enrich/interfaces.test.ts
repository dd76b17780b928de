import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildInterfaceMap, isCsvFile, readInterfaceFile } from '../../../src/enrich/interfaces.js';

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'smonnet-if-')), name);
  writeFileSync(path, text);
  return path;
}
const load = (path: string) => buildInterfaceMap(readInterfaceFile(path), path, isCsvFile(path));

describe('interface file', () => {
  it('reads JSON and CSV alike, a quoted description with commas included', () => {
    const json = load(
      file(
        'if.json',
        JSON.stringify([
          {
            agent: '192.0.2.1',
            if_index: 12,
            name: 'Gi1/0/12',
            description: 'uplink b7, rack 3',
            speed: 10e9,
            boundary: 'External',
            provider: 'transit-a',
          },
          { agent: '2001:db8:0::1', if_index: '3', name: 'xe-0/0/3' },
        ]),
      ),
    );
    const csv = load(
      file(
        'if.csv',
        'agent,if_index,name,description,speed,boundary,provider\n# a comment\n192.0.2.1,12,Gi1/0/12,"uplink b7, rack 3",10000000000,external,transit-a\n2001:db8::1,3,xe-0/0/3,,,,\n',
      ),
    );
    for (const map of [json, csv]) {
      expect(map.size).toBe(2);
      expect(map.find('192.0.2.1', 12)).toEqual({
        name: 'Gi1/0/12',
        description: 'uplink b7, rack 3',
        speed: 10_000_000_000,
        boundary: 'external',
        provider: 'transit-a',
      });
      // Addresses are matched in canonical form, as decoders write them.
      expect(map.find('2001:db8::1', 3)?.name).toBe('xe-0/0/3');
      expect(map.find('192.0.2.1', 13)).toBeUndefined();
    }
  });

  it('reports every bad row at once, by CSV line or JSON entry', () => {
    const csv = file(
      'bad.csv',
      'agent,if_index,name,boundary\n192.0.2.300,1,a,\n192.0.2.1,x,b,\n192.0.2.1,2,,\n192.0.2.1,3,c,dmz\n192.0.2.1,4,d,\n192.0.2.1,4,e,\n',
    );
    expect(() => load(csv)).toThrow(
      "line 2: agent '192.0.2.300' is not an IP address; line 3: if_index 'x' is not a number 0..4294967295; line 4: name is missing; line 5: boundary 'dmz' is not one of external, internal; line 7: 192.0.2.1 ifIndex 4 is named twice",
    );
    expect(() =>
      load(file('bad.json', '[{"agent":"192.0.2.1","if_index":1,"name":"a","colour":"red"}]')),
    ).toThrow("entry 1: unknown column 'colour'");
    expect(() => load(file('bad2.json', '{"agent":"192.0.2.1"}'))).toThrow('must be a JSON array of objects');
    expect(() => load('/nonexistent/if.json')).toThrow(/cannot read: ENOENT/);
  });
});
