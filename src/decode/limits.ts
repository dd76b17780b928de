/**
 * How large a Kafka message may be to be decoded at all, in both modes: a larger one is
 * dead-lettered undecoded, by the tenant worker in direct mode and by the segregator in fan-out
 * mode (which then never packs it).
 */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Why a message over the size limit is dead-lettered undecoded. */
export const tooLarge = (size: number, limit: number): string =>
  `message of ${size} bytes exceeds the ${limit}-byte limit`;
