/** Sections 1 and 2 of `npm run bench`: stage rates per format, and the enrichment pool against inline processing. */
import { createLogger } from '../dist/observability/logger.js';
import { createProcessor } from '../dist/pipeline/pool.js';
import type { MessageBatch } from '../dist/pipeline/process.js';
import { loadStageSpec } from '../dist/pipeline/stages.js';
import { RECORDS, round, STAGE_RECORDS, say, tenantConfig, us } from './common.js';
import { packedMessages, routeFigure, STAGE_FORMATS, stageFigures } from './stages.js';

// 1. ------------------------------------------------------------------------------------------
export function stages(): void {
  say(`## 1. Stage rates: one worker, one core, ${STAGE_RECORDS} records per format`);
  say();
  say('Each stage runs in a process of its own on the compiled code, best of 3 passes, CPU time.');
  say("Floors: sflowtool, UTF-8 decode + `split(',')`; goflow2 JSON, UTF-8 decode + `JSON.parse` +");
  say('`JSON.stringify`; goflow2 protobuf, protobufjs `decode`. "reject" is decode + a filter');
  say('(`vlan = 4000`) that rejects every record; "full" is decode + filter + enrich + serialize;');
  say('"+ interfaces" is full with an interface file naming every interface and directions by the');
  say('tenant\'s networks; "+ 3 alert rules" is full with three rules (by destination, on all traffic,');
  say("by input interface), their sums made in the processing stage and added to the rules' windows.");
  say();
  say(
    '| format | floor µs | decode µs (× floor rate) | reject µs | full µs (× floor rate) | reject / full cost | + interfaces µs (cost / full) | + 3 alert rules µs (cost / full) |',
  );
  say('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const format of STAGE_FORMATS) {
    const f = stageFigures(format, STAGE_RECORDS);
    say(
      `| ${format} | ${us(f.floor)} | ${us(f.decode)} (${round(f.decode / f.floor, 2)}) | ${us(f.reject)} | ${us(f.full)} (${round(f.full / f.floor, 2)}) | ${round((100 * f.full) / f.reject, 1)} % | ${us(f.context)} (${round(f.full / f.context, 3)}) | ${us(f.alerts)} (${round(f.full / f.alerts, 3)}) |`,
    );
  }
  say();
  say(
    "The segregator's routing (fan-out mode), sflowtool, each tenant on a share of the client ports: every tenant's filter tested in a row, or only the candidates the filter index finds by the record's ports.",
  );
  say();
  say('| tenants | filters in a row µs/record | filter index µs/record |');
  say('| ---: | ---: | ---: |');
  for (const tenants of [24, 200]) {
    const row = routeFigure('sflowtool', STAGE_RECORDS, tenants, false);
    const index = routeFigure('sflowtool', STAGE_RECORDS, tenants, true);
    say(`| ${tenants} | ${us(row)} | ${us(index)} |`);
  }
  say();
}

// 2. ------------------------------------------------------------------------------------------
export async function poolRate(batches: readonly MessageBatch[], records: number, threads: number) {
  const config = tenantConfig('bench', 'bench', threads);
  const processor = createProcessor(
    loadStageSpec(config, config.tenants[0]!, createLogger({ level: 'silent' })),
    threads,
  );
  const copy = (b: MessageBatch): MessageBatch => ({ ...b, data: b.data.slice() });
  await Promise.all(batches.slice(0, 8).map((b) => processor.process(copy(b))));
  const inputs = batches.map(copy);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  // Every batch queued at once, as the worker does with a fetch.
  await Promise.all(inputs.map((b) => processor.process(b)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  await processor.close();
  return { rate: records / seconds, cpuUs: (used.user + used.system) / records };
}

export async function pool(): Promise<void> {
  say(`## 2. The enrichment pool: processing stage, ${RECORDS} records, every record indexed`);
  say();
  say('| format | threads | records/s (wall) | CPU µs / record |');
  say('| --- | ---: | ---: | ---: |');
  for (const format of ['sflowtool', 'goflow2-json'] as const) {
    const { batches, records } = packedMessages(format, RECORDS);
    for (const threads of [0, 1, 2]) {
      const r = await poolRate(batches, records, threads);
      say(`| ${format} | ${threads === 0 ? 'inline' : threads} | ${round(r.rate)} | ${round(r.cpuUs, 1)} |`);
    }
  }
  say();
}
