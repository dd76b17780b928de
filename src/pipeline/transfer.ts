import { Piscina } from 'piscina';

/**
 * Wraps `value` so piscina transfers `buffer` (which `value` refers to) instead of copying it.
 * The buffer is unusable on the sending side afterwards.
 */
export function moving<T extends object>(value: T, buffer: ArrayBufferLike): ReturnType<typeof Piscina.move> {
  const wrapper = {
    get [Piscina.transferableSymbol]() {
      return buffer;
    },
    get [Piscina.valueSymbol]() {
      return value;
    },
  };
  return Piscina.move(wrapper as unknown as Parameters<typeof Piscina.move>[0]);
}
