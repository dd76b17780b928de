import { describe, expect, it } from 'vitest';
import { putSection, removeSection } from '../../../src/config/sections.js';

const TEXT = `; smonnet configuration
[kafka]
brokers = 127.0.0.1:9092 ; the local broker

; lab 42, since 2019
[tenant.lab42]
vlan = 42
es_nodes = http://127.0.0.1:9200

# physics, ask Dana first
[tenant.physics]
ip = 10.2.0.0/24
es_nodes = http://127.0.0.1:9200
`;

describe('section editing', () => {
  it('replaces one section and keeps every other byte, comments included', () => {
    const out = putSection(TEXT, 'tenant.lab42', { vlan: '42, 43', es_nodes: 'http://127.0.0.1:9200' });
    expect(out).toBe(TEXT.replace('vlan = 42\n', 'vlan = 42, 43\n'));
  });

  it('appends a new section after a blank line', () => {
    const out = putSection(TEXT, 'tenant.chem', { vlan: '300', es_nodes: 'h:9200' });
    expect(out).toBe(`${TEXT}\n[tenant.chem]\nvlan = 300\nes_nodes = h:9200\n`);
  });

  it('removes a section but keeps the comment that introduces the next one', () => {
    const out = removeSection(TEXT, 'tenant.lab42');
    expect(out).toBe(TEXT.replace('[tenant.lab42]\nvlan = 42\nes_nodes = http://127.0.0.1:9200\n', ''));
    expect(out).toContain('# physics, ask Dana first\n[tenant.physics]');
  });

  it('keeps CRLF line endings and leaves a text without the section unchanged', () => {
    const crlf = TEXT.replace(/\n/g, '\r\n');
    expect(putSection(crlf, 'tenant.lab42', { vlan: '1', es_nodes: 'h:1' })).toContain(
      '[tenant.lab42]\r\nvlan = 1\r\n',
    );
    expect(removeSection(TEXT, 'tenant.none')).toBe(TEXT);
  });
});

describe('setKey', () => {
  it('sets one key in place and keeps every other byte', async () => {
    const { setKey } = await import('../../../src/config/sections.js');
    const text =
      '; notes\n[smonit]\nmax_param_filters = 1\nprocessing_pid = 123 ; written by Smonnet\nchild_procs =\n\n; next\n[kafka]\n';
    expect(setKey(text, 'smonit', 'processing_pid', '4242')).toBe(
      '; notes\n[smonit]\nmax_param_filters = 1\nprocessing_pid = 4242\nchild_procs =\n\n; next\n[kafka]\n',
    );
    expect(setKey('[smonit]\nmonitor_names = a\n\n; next\n[kafka]\n', 'smonit', 'processing_pid', '7')).toBe(
      '[smonit]\nmonitor_names = a\nprocessing_pid = 7\n\n; next\n[kafka]\n',
    );
  });
});
