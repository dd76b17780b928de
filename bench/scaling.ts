/** Sections 4 and 5 of `npm run bench`: tenant scaling, and lag under a steady rate. */
import { LAG_SECONDS, round, run, say, sleep, WARMUP } from './common.js';
import { drainRun, startDaemon } from './daemon.js';
import { asOut, createTopic, producer } from './kafka.js';
import { peakRssMb } from './proc.js';
import { benchMessages } from './stages.js';

export async function scaling(total: number): Promise<void> {
  say(`## 4. Tenant scaling: T tenants of a running daemon drain a burst of ${total} sflowtool records`);
  say();
  say('Each tenant keeps about 1/T of the flows (`port` = its share of the client ports; with T = 1,');
  say('no filter). In `direct` mode each tenant is its own consumer group reading the whole topic; in');
  say('`fanout` mode one segregator reads it, and each tenant reads its own topic. Each run has a topic');
  say('of its own (4 partitions), empty while the daemon starts; once every worker runs, an untimed');
  say(`burst of ${WARMUP} records warms them (a daemon runs for months: its code is compiled by then),`);
  say(
    'then the records are produced as fast as one producer can. Time runs from the first send until every tenant has',
  );
  say('read and settled all it gets; CPU counts every worker (and the segregator) over that time.');
  say('Kafka, Elasticsearch and the producer share the host; where the burst took about as long to');
  say("produce as to drain, the figure is the producer's limit, not the daemon's.");
  say();
  say(
    '| tenants | mode | threads per tenant | records of the topic drained/s | burst produced in s | CPU s per million topic records, all workers | of which the segregator | supervisor RSS MB | worker RSS MB (peak, max) | segregator RSS MB |',
  );
  say('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  type Run = readonly [number, number, 'direct' | 'fanout'];
  const plan: Run[] = process.env['BENCH_SCALING']
    ? process.env['BENCH_SCALING'].split(',').map((p) => {
        const [t, rest] = p.split('x') as [string, string];
        return [Number(t), Number.parseInt(rest, 10), rest.endsWith('f') ? 'fanout' : 'direct'] as const;
      })
    : [
        [1, 2, 'direct'],
        [8, 0, 'direct'],
        [24, 0, 'direct'],
        [48, 0, 'direct'],
        [1, 0, 'fanout'],
        [8, 0, 'fanout'],
        [24, 0, 'fanout'],
        [48, 0, 'fanout'],
      ];
  for (const [tenants, threads, mode] of plan) {
    const f = await drainRun(tenants, threads, { mode }, total);
    say(
      `| ${tenants} | ${mode} | ${threads === 0 ? 'inline' : threads} | ${round(f.rate)} | ${round(f.producedIn, 1)} | ${round(f.cpuPerMillion, 1)} | ${f.segregatorCpuPerMillion === undefined ? '-' : round(f.segregatorCpuPerMillion, 1)} | ${round(f.supervisorRss)} | ${round(f.workerRss)} | ${f.segregatorRss === undefined ? '-' : round(f.segregatorRss)} |`,
    );
  }
  say();
}

export async function lag(rate: number, section: string): Promise<void> {
  const tenants = 8;
  const topic = `${run}-lag-${rate}`;
  say(`## ${section}. Lag: ${tenants} tenants under ${rate} records/s for ${LAG_SECONDS} s`);
  say();
  await createTopic(topic, 4);
  const daemon = await startDaemon(topic, tenants, 0, `lag-${rate}`); // inline: what threads = auto picks here
  const out = producer();
  // Generated ahead, so producing costs only the sending.
  const messages = benchMessages('sflowtool', rate * LAG_SECONDS, 5).map((m) => ({
    key: m.key,
    value: m.value as string,
  }));
  const samples: { at: number; max: number; total: number }[] = [];
  const started = Date.now();
  const sampler = setInterval(() => {
    void daemon.tenants().then((list) => {
      const lags = list.map((t) => t.live?.lag ?? 0);
      samples.push({
        at: (Date.now() - started) / 1000,
        max: Math.max(...lags),
        total: lags.reduce((a, b) => a + b, 0),
      });
    });
  }, 1000);
  // 10 sends a second, each a tenth of the rate, on schedule (late sends catch up).
  const perTick = rate / 10;
  for (let tick = 0; tick * perTick < messages.length; tick++) {
    const due = started + tick * 100;
    if (Date.now() < due) await sleep(due - Date.now());
    await out.send(asOut(topic, messages.slice(tick * perTick, (tick + 1) * perTick)));
  }
  const producedIn = (Date.now() - started) / 1000;
  await out.close();
  let drainedAt = 0;
  for (let i = 0; i < 600 && drainedAt === 0; i++) {
    await sleep(1000);
    const last = samples.at(-1);
    if (last && last.at > producedIn && last.max === 0) drainedAt = last.at;
  }
  clearInterval(sampler);
  const list = await daemon.tenants();
  const workerRss = list.flatMap((t) => t.live?.pids ?? []).map(peakRssMb);
  const supervisorRss = peakRssMb(daemon.child.pid!);
  await daemon.stop();
  say(
    `Produced ${messages.length} records in ${round(producedIn, 1)} s (${round(messages.length / producedIn)} records/s).`,
  );
  say(
    `Largest lag of any tenant: **${Math.max(...samples.map((s) => s.max))} records**; every tenant at lag 0 ${drainedAt ? `${round(drainedAt - producedIn, 1)} s after the last record was produced` : 'never within 10 min'}.`,
  );
  say(
    `Peak resident memory: supervisor ${round(supervisorRss)} MB, workers ${round(Math.min(...workerRss))}–${round(Math.max(...workerRss))} MB (limit 200 MB).`,
  );
  say();
  say('| second | largest tenant lag | all tenants |');
  say('| ---: | ---: | ---: |');
  for (const s of samples.filter((_, i) => i % 5 === 0 || i === samples.length - 1))
    say(`| ${round(s.at)} | ${s.max} | ${s.total} |`);
  say();
}
