// Exits 0 once the broker at $1 answers a metadata request, 1 after $2 seconds without one.
// A metadata answer (not an open port) is what clients need before they can produce or join a group.
import kafkajs from 'kafkajs';

const [broker = '127.0.0.1:9092', seconds = '90'] = process.argv.slice(2);
const deadline = Date.now() + Number(seconds) * 1000;
const kafka = new kafkajs.Kafka({
  clientId: 'smonnet-services',
  brokers: [broker],
  logLevel: kafkajs.logLevel.NOTHING,
  retry: { retries: 0 },
  connectionTimeout: 1000,
});

let lastError = 'no attempt';
while (Date.now() < deadline) {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.disconnect();
    if (cluster.brokers.length > 0 && cluster.controller !== null) process.exit(0);
    lastError = 'no controller elected yet';
  } catch (err) {
    lastError = err instanceof Error ? err.message : String(err);
    await admin.disconnect().catch(() => {});
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}
console.error(`kafka at ${broker} did not answer metadata within ${seconds}s: ${lastError}`);
process.exit(1);
