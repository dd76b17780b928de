/** [sampling]: sampling rates an operator corrects (enrich/sampling.ts applies them). */
import type { SamplingRule } from '../enrich/sampling.js';
import { canonicalIp, parseCidr } from '../net/ip.js';
import type { Collector, Section } from './values.js';

/**
 * [sampling]: `default = RATE` for records that carry none, and per agent or interface
 * `default AGENT = RATE` / `override AGENT = RATE`, AGENT an address, a network or `address@ifIndex`.
 */
export function samplingRules(c: Collector, section: Section | undefined): SamplingRule[] {
  const rules: SamplingRule[] = [];
  for (const [key, value] of Object.entries(section ?? {})) {
    const m = /^(default|override)(?:\s+(\S+?)(?:@(\d{1,10}))?)?$/.exec(key);
    const rate = typeof value === 'string' && /^\d{1,10}$/.test(value.trim()) ? Number(value) : 0;
    if (!m || (m[1] === 'override' && m[2] === undefined)) {
      c.add(
        'sampling',
        key,
        "is not 'default', 'default AGENT' or 'override AGENT' (AGENT: address, network or address@ifIndex)",
      );
      continue;
    }
    if (rate < 1 || rate > 0xffffffff) {
      c.add('sampling', key, `'${String(value)}' is not a sampling rate (1 or more)`);
      continue;
    }
    const kind = m[1] as SamplingRule['kind'];
    if (m[2] === undefined) {
      rules.push({ kind, agent: undefined, rate });
      continue;
    }
    const agent = parseCidr(m[2]);
    if ('error' in agent) c.add('sampling', key, agent.error);
    else if (m[3] !== undefined && agent.bits !== (agent.family === 4 ? 32 : 128))
      c.add('sampling', key, 'an interface rule names one agent address, not a network');
    else
      rules.push({
        kind,
        agent,
        rate,
        ...(m[3] !== undefined && { address: canonicalIp(m[2]), ifIndex: Number(m[3]) }),
      });
  }
  return rules;
}
