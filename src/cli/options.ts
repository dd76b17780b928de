/** Option parsers shared by the commands: a bad value is a usage error naming the option. */
import { InvalidArgumentError } from 'commander';
import { canonicalIp } from '../net/ip.js';

export function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`'${value}' is not a whole number >= 0`);
  return Number(value);
}

export function positiveInt(value: string): number {
  const n = nonNegativeInt(value);
  if (n === 0) throw new InvalidArgumentError('must be at least 1');
  return n;
}

export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`'${value}' is not one of ${choices.join(', ')}`);
    }
    return value as T;
  };
}

export function timestamp(value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms))
    throw new InvalidArgumentError(`'${value}' is neither ms since the epoch nor an ISO date`);
  return ms;
}

export const DEFAULT_BROKERS = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';

/** An IPv4 or IPv6 address, in the canonical form decoders write. */
export function address(value: string): string {
  const ip = canonicalIp(value);
  if (ip === undefined) throw new InvalidArgumentError(`'${value}' is not an IP address`);
  return ip;
}
