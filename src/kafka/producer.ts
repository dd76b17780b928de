/** What smonnet writes to Kafka (fan-out packs, dead letters, sample traffic), acknowledged by all replicas. */
import { ProduceAcks, Producer } from '@platformatic/kafka';
import type { KafkaCompression } from '../config/types.js';
import { clientOptions, type KafkaConnection } from './client.js';

export interface OutMessage {
  readonly topic: string;
  readonly value: Buffer;
  readonly key?: Buffer | string;
  /** Unset: the client's partitioner picks one (by key when there is one). */
  readonly partition?: number;
  /** Milliseconds since the epoch; unset: now. */
  readonly timestamp?: number;
  readonly headers?: Readonly<Record<string, Buffer | string>>;
}

export interface ProducerOptions {
  /** A send retried after a timeout writes its messages once (the broker drops the repeat). */
  readonly idempotent: boolean;
  readonly compression: KafkaCompression;
  /** Whether a send may create a missing topic (with the broker's defaults); smonnet's never do. */
  readonly createTopics?: boolean;
}

const asBuffer = (v: Buffer | string): Buffer => (typeof v === 'string' ? Buffer.from(v) : v);

export class KafkaProducer {
  private readonly producer: Producer;

  constructor(kafka: KafkaConnection, clientId: string, options: ProducerOptions) {
    this.producer = new Producer({
      ...clientOptions(kafka, clientId),
      idempotent: options.idempotent,
      acks: ProduceAcks.ALL,
      compression: options.compression,
      autocreateTopics: options.createTopics ?? false,
    });
  }

  async send(messages: readonly OutMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.producer.send({
      messages: messages.map((m) => ({
        topic: m.topic,
        value: m.value,
        ...(m.key !== undefined && { key: asBuffer(m.key) }),
        ...(m.partition !== undefined && { partition: m.partition }),
        ...(m.timestamp !== undefined && { timestamp: BigInt(m.timestamp) }),
        ...(m.headers && {
          headers: new Map(Object.entries(m.headers).map(([k, v]) => [Buffer.from(k), asBuffer(v)])),
        }),
      })),
    });
  }

  close(): Promise<void> {
    return this.producer.close();
  }
}
