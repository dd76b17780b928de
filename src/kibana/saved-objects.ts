/**
 * A tenant's Kibana saved objects: templates/kibana/dashboard.ndjson with its placeholders filled
 * for the tenant's index prefix and schema. The same template serves both schemas and shows the
 * same thing in both: only field names (and how bits are estimated) differ. Protocols are IANA
 * numbers in both (Smonnet's documents have no names), VLAN panels count tagged traffic only.
 */

import { readFileSync } from 'node:fs';
import type { Schema, TenantConfig } from '../config/types.js';
import { SmonnetError } from '../errors.js';

const TEMPLATE = new URL('../../templates/kibana/dashboard.ndjson', import.meta.url);

/** The fields a dashboard panel reads, per schema; `*_type` is the Lens data type of the field. */
const FIELDS: Readonly<Record<Schema, Readonly<Record<string, string>>>> = {
  ecs: {
    src_ip: 'source.ip',
    dst_ip: 'destination.ip',
    dst_port: 'destination.port',
    transport: 'network.iana_number',
    transport_type: 'string',
    vlan: 'observer.ingress.vlan.id',
    vlan_type: 'string',
    // Untagged traffic has no vlan.id in ECS and VLAN 0 in Smonnet's documents: both left out.
    vlan_tagged: 'observer.ingress.vlan.id:*',
    direction: 'network.direction',
    in_if_name: 'observer.ingress.interface.name',
    out_if_name: 'observer.egress.interface.name',
    src_location: 'source.geo.location',
    dst_location: 'destination.geo.location',
    dst_as: 'destination.as.organization.name',
    // network.bytes is already sampled size × sampling rate.
    bits_script:
      "if (doc.containsKey('network.bytes') && doc['network.bytes'].size() > 0) { emit(doc['network.bytes'].value * 8); }",
  },
  legacy: {
    src_ip: 'sflow_srcIP',
    dst_ip: 'sflow_dstIP',
    dst_port: 'sflow_dstPort',
    transport: 'sflow_IP_Protocol',
    transport_type: 'number',
    vlan: 'sflow_srcVlan',
    vlan_type: 'number',
    vlan_tagged: 'sflow_srcVlan > 0',
    direction: 'smonnet_direction',
    in_if_name: 'smonnet_inputPortName',
    out_if_name: 'smonnet_outputPortName',
    src_location: 'sflow_src_location',
    dst_location: 'sflow_dst_location',
    dst_as: 'sflow_dst_as',
    bits_script:
      "if (doc.containsKey('sflow_PacketSize') && doc.containsKey('sflow_SampleRate') && doc['sflow_PacketSize'].size() > 0 && doc['sflow_SampleRate'].size() > 0) { emit(doc['sflow_PacketSize'].value * doc['sflow_SampleRate'].value * 8); }",
  },
};

export interface SavedObject {
  readonly type: string;
  readonly id: string;
  readonly attributes: { readonly title?: string } & Readonly<Record<string, unknown>>;
  readonly references: readonly { readonly type: string; readonly id: string; readonly name: string }[];
}

/**
 * The tenant's flow indices, `<prefix>-YYYY.MM.DD`, and nothing else: `<prefix>-*` would also match
 * its counter indices and every index of a tenant whose prefix extends this one (`lab` and
 * `lab-x`). Index patterns have only `*`: a date starts with 2, and nothing after it has a '-'.
 */
export function dataViewPattern(indexPrefix: string): string {
  return `${indexPrefix}-2*,-${indexPrefix}-2*-*`;
}

/** The fields each schema's scripts read: the index templates must map every one (tested). */
export function scriptFields(schema: Schema): string[] {
  return [...FIELDS[schema]['bits_script']!.matchAll(/doc\['([^']+)'\]/g)].map((m) => m[1]!);
}

export const dashboardTitle = (tenant: string): string => `smonnet — ${tenant}`;

/**
 * Fills the template. Values are inserted into JSON strings (some nested in JSON-in-a-string), so
 * none may hold a quote, a backslash or a line break; names and prefixes are validated that way.
 */
export function renderSavedObjects(
  tenant: Pick<TenantConfig, 'name' | 'indexPrefix' | 'schema'>,
  template: string = readFileSync(TEMPLATE, 'utf8'),
): { ndjson: string; objects: SavedObject[] } {
  const values: Record<string, string> = {
    ...FIELDS[tenant.schema],
    tenant: tenant.name,
    index_pattern: dataViewPattern(tenant.indexPrefix),
  };
  const ndjson = template.replace(/\{\{([a-z_]+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined)
      throw new SmonnetError('INTERNAL', `templates/kibana: unknown placeholder {{${key}}}`);
    if (/["\\\n\r]/.test(value))
      throw new SmonnetError('INTERNAL', `templates/kibana: {{${key}}} value ${value} is not safe in JSON`);
    return value;
  });
  const objects = ndjson
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as SavedObject;
      } catch (err) {
        throw new SmonnetError(
          'INTERNAL',
          `templates/kibana/dashboard.ndjson line ${i + 1}: ${(err as Error).message}`,
        );
      }
    });
  return { ndjson, objects };
}
