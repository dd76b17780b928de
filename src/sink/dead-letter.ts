/**
 * Dead letters: records smonnet could not decode or Elasticsearch refused for good, sent to the
 * dead-letter topic with their original bytes and headers saying whose, from where, and why.
 * A record counts as dead-lettered only once the broker acknowledged it.
 */
import type { KafkaSettings } from '../config/types.js';
import { DeliveryAborted } from '../errors.js';
import { KafkaProducer } from '../kafka/producer.js';
import type { RateLimitedLog } from '../observability/rate-limited.js';
import { retryUntilDone, SERVICE_BACKOFF } from '../util/backoff.js';

export interface DeadLetter {
  readonly value: Buffer;
  readonly reason: string;
  /** Where it failed: a processing stage (decode, filter, enrich, document, encode), 'size' or 'index'. */
  readonly stage: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly record: number;
}

/** Above this a dead letter is cut (header `smonnet-original-bytes` keeps the full size). */
export const MAX_DEAD_LETTER_BYTES = 900_000;

export class DeadLetterSink {
  private readonly producer: KafkaProducer;
  private readonly topic: string;

  constructor(
    kafka: KafkaSettings,
    clientId: string,
    private readonly tenant: string,
  ) {
    this.topic = kafka.deadLetterTopic;
    // Idempotent: a send retried after a timeout does not dead-letter a record twice.
    this.producer = new KafkaProducer(kafka, clientId, { idempotent: true, compression: kafka.compression });
  }

  close(): Promise<void> {
    return this.producer.close();
  }

  async send(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await this.producer.send(
      letters.map((l) => {
        const cut = l.value.length > MAX_DEAD_LETTER_BYTES;
        return {
          topic: this.topic,
          key: this.tenant,
          value: cut ? l.value.subarray(0, MAX_DEAD_LETTER_BYTES) : l.value,
          headers: {
            'smonnet-tenant': this.tenant,
            'smonnet-reason': l.reason.slice(0, 1000),
            'smonnet-stage': l.stage,
            'smonnet-source-topic': l.topic,
            'smonnet-source-partition': String(l.partition),
            'smonnet-source-offset': l.offset,
            'smonnet-record-index': String(l.record),
            ...(cut && { 'smonnet-original-bytes': String(l.value.length) }),
          },
        };
      }),
    );
  }

  /**
   * Sends until the broker acknowledged every letter; `halted` ends the wait with
   * DeliveryAborted (the chunk then stays uncommitted and is read again).
   */
  sendUntilDone(letters: readonly DeadLetter[], halted: () => boolean, warn: RateLimitedLog): Promise<void> {
    return retryUntilDone(
      () => this.send(letters),
      (err, delay) => {
        if (halted()) throw new DeliveryAborted();
        warn.warn(
          'dead-letter-failed',
          { retryInMs: delay, err: (err as Error).message },
          'cannot write dead letters yet',
        );
      },
      SERVICE_BACKOFF,
    );
  }
}
