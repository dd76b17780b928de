import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  catalogued,
  ElasticsearchError,
  ERROR_CATALOGUE,
  ERROR_CODES,
  SmonnetError,
} from '../../src/errors.js';

/** The README's table of error codes, as the catalogue says it must read. */
function catalogueTable(): string {
  const rows = ERROR_CODES.map((code) => {
    const r = ERROR_CATALOGUE[code];
    return `| \`${code}\` | ${r.httpStatus} | ${r.exitCode} | ${r.canRetry ? 'yes' : 'no'} | ${r.means} |`;
  });
  return ['| code | HTTP | exit | retry | means |', '| --- | ---: | ---: | --- | --- |', ...rows].join('\n');
}

describe('the error catalogue', () => {
  it('is the one the README lists', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(catalogueTable());
  });

  it('gives every error its row: retry, HTTP status and exit code', () => {
    const e = new SmonnetError('UNREACHABLE', 'no supervisor');
    expect([e.canRetry, e.httpStatus, e.exitCode]).toEqual([true, 503, 3]);
    expect(catalogued(new TypeError('x')).code).toBe('INTERNAL');
    expect(catalogued(e)).toBe(e);
  });

  it("files Elasticsearch's answers by what can be done about them", () => {
    const code = (status: number | undefined) => new ElasticsearchError('t', status, 'm').code;
    expect([undefined, 429, 500, 503, 401, 403].map(code)).toEqual(Array(6).fill('ES_UNAVAILABLE'));
    expect(code(413)).toBe('ES_TOO_LARGE');
    expect([400, 404, 409].map(code)).toEqual(Array(3).fill('ES_REJECTED'));
  });
});
