/** `smonnet gen`: reproducible sample sFlow traffic into a Kafka topic (or stdout). */

import { Command } from 'commander';
import { loadConfig } from '../config/parse.js';
import { KAFKA_COMPRESSIONS, type KafkaCompression } from '../config/types.js';
import { SmonnetError } from '../errors.js';
import { type EncodedMessage, GEN_FORMATS } from '../gen/encode.js';
import { produceMessages } from '../gen/produce.js';
import { type GenSettings, sampleMessages } from '../gen/sample.js';
import { withAdmin } from '../kafka/admin.js';
import { type KafkaConnection, PLAINTEXT } from '../kafka/client.js';
import { KafkaProducer } from '../kafka/producer.js';
import { address, DEFAULT_BROKERS, nonNegativeInt, oneOf, positiveInt, timestamp } from './options.js';

/** Writes messages to stdout in chunks; a reader that goes away (`| head`) ends the output quietly. */
async function printMessages(messages: Iterable<EncodedMessage>): Promise<void> {
  let closed = false;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    closed = true;
  });
  let chunk: string[] = [];
  const flush = async (): Promise<void> => {
    if (!process.stdout.write(chunk.join('')))
      await new Promise((resolve) => process.stdout.once('drain', resolve));
    chunk = [];
  };
  for (const m of messages) {
    if (closed) return;
    if (typeof m.value !== 'string')
      throw new SmonnetError('USAGE', '--stdout prints text formats only; goflow2-pb is binary');
    chunk.push(`${m.value}\n`);
    if (chunk.length >= 1000) await flush();
  }
  if (!closed) await flush();
}

export function genCommand(): Command {
  return new Command('gen')
    .description('write reproducible sample sFlow traffic to a Kafka topic')
    .option('-b, --brokers <list>', 'Kafka brokers, host:port[,host:port]', DEFAULT_BROKERS)
    .option('-c, --config <file>', "reach Kafka as this api.cfg's [kafka] says (brokers, TLS, SASL)")
    .option('--compression <codec>', `${KAFKA_COMPRESSIONS.join(', ')}`, oneOf(KAFKA_COMPRESSIONS), 'none')
    .option('-t, --topic <name>', 'topic to write to', 'sflow')
    .option(
      '-f, --format <format>',
      `wire format: ${GEN_FORMATS.join(', ')}`,
      oneOf(GEN_FORMATS),
      'sflowtool',
    )
    .option('-n, --count <records>', 'records to write; 0 writes until interrupted', nonNegativeInt, 10_000)
    .option(
      '-r, --rate <records/s>',
      'records per second; 0 writes as fast as Kafka takes them',
      nonNegativeInt,
      0,
    )
    .option('-s, --seed <n>', 'seed: the same seed writes the same records', nonNegativeInt, 1)
    .option('--start <time>', 'timestamp of the first record (ISO date or ms); default now', timestamp)
    .option('--interval-ms <ms>', 'spacing of record timestamps', nonNegativeInt, 1)
    .option('--lines-per-message <n>', 'sflowtool lines per Kafka message', positiveInt, 1)
    .option('--counter-every <n>', 'one CNTR line after every n flows; 0 for none', nonNegativeInt, 50)
    .option('--partitions <n>', 'partitions when the topic has to be created', positiveInt, 4)
    .option('--to <address>', 'every flow to this destination address (load and alert tests)', address)
    .option('--stdout', 'print the messages instead of sending them')
    .action(async (opts) => {
      const settings: GenSettings = {
        format: opts.format,
        count: opts.count,
        seed: opts.seed,
        start: opts.start ?? Date.now(),
        intervalMs: opts.intervalMs,
        linesPerMessage: opts.linesPerMessage,
        counterEvery: opts.counterEvery,
        destination: opts.to,
      };
      const messages = sampleMessages(settings);
      if (opts.stdout) {
        await printMessages(messages);
        return;
      }
      const kafka: KafkaConnection = opts.config
        ? loadConfig(opts.config).kafka
        : { brokers: opts.brokers, security: PLAINTEXT };
      await withAdmin(kafka, 'smonnet-gen', (admin) =>
        admin.ensureTopics([{ topic: opts.topic, partitions: opts.partitions }]),
      );
      const producer = new KafkaProducer(kafka, 'smonnet-gen', {
        idempotent: false,
        compression: opts.compression as KafkaCompression,
      });
      const abort = new AbortController();
      const stop = (): void => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const started = Date.now();
      const totals = await produceMessages(producer, opts.topic, messages, {
        rate: opts.rate,
        batchSize: 500,
        signal: abort.signal,
      });
      await producer.close();
      const seconds = (Date.now() - started) / 1000;
      process.stderr.write(
        `gen: wrote ${totals.records} records in ${totals.messages} messages to '${opts.topic}' ` +
          `(${settings.format}, seed ${settings.seed}) in ${seconds.toFixed(1)}s\n`,
      );
    });
}
