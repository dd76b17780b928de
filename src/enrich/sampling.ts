/**
 * Sampling rates an operator corrects: a default for records that carry none (0), and an override
 * for devices that report a wrong one (Akvorado's default and override sampling rates). Rules name
 * an agent (an address or a network, the longest network winning) or one interface of an agent
 * (`address@ifIndex`, the input interface, where sFlow agents sample): the interface rule wins
 * over the agent's. The rate applied is the one indexed, and the estimates scale by it.
 */
import type { Cidr } from '../net/ip.js';
import { PrefixSet } from '../net/prefix-set.js';
import { remember } from '../util/cache.js';

export interface SamplingRule {
  readonly kind: 'default' | 'override';
  /** Undefined: every agent (defaults only). */
  readonly agent: Cidr | undefined;
  /** Canonical address of the agent, for an interface rule. */
  readonly address?: string;
  readonly ifIndex?: number;
  readonly rate: number;
}

/** The rate to index for a record of `agent` sampled on `ifIndex` that says `rate`. */
export type SamplingRates = (agent: string, ifIndex: number, rate: number) => number;

interface Rules {
  readonly all: number | undefined;
  readonly agents: PrefixSet<number>;
  readonly interfaces: Map<string, number>;
  readonly byAgent: Map<string, number | null>;
}

function rulesOf(rules: readonly SamplingRule[], kind: SamplingRule['kind']): Rules {
  const agents = new PrefixSet<number>();
  const interfaces = new Map<string, number>();
  let all: number | undefined;
  for (const r of rules) {
    if (r.kind !== kind) continue;
    if (r.ifIndex !== undefined) interfaces.set(`${r.address} ${r.ifIndex}`, r.rate);
    else if (r.agent) agents.add(r.agent, r.rate);
    else all = r.rate;
  }
  return { all, agents, interfaces, byAgent: new Map() };
}

/** The rule's rate for this agent and interface, or undefined when none applies. */
function ruleRate(rules: Rules, agent: string, ifIndex: number): number | undefined {
  if (rules.interfaces.size > 0) {
    const own = rules.interfaces.get(`${agent} ${ifIndex}`);
    if (own !== undefined) return own;
  }
  // Agents are few and recur on every record: their answer is looked up once.
  let rate = rules.byAgent.get(agent);
  if (rate === undefined) rate = remember(rules.byAgent, 10_000, agent, rules.agents.lookup(agent) ?? null);
  return rate ?? rules.all;
}

/** undefined when there are no rules: records keep the rate they carry, at no cost. */
export function samplingRates(rules: readonly SamplingRule[]): SamplingRates | undefined {
  if (rules.length === 0) return undefined;
  const defaults = rulesOf(rules, 'default');
  const overrides = rulesOf(rules, 'override');
  return (agent, ifIndex, rate) =>
    ruleRate(overrides, agent, ifIndex) ?? (rate === 0 ? (ruleRate(defaults, agent, ifIndex) ?? 0) : rate);
}
