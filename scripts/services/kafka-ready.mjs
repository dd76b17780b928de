// Exits 0 once the broker at $1 answers a metadata request, 1 after $2 seconds without one.
// A metadata answer (not an open port) is what clients need before they can produce or join a group.
import { Admin } from '@platformatic/kafka';

const [broker = '127.0.0.1:9092', seconds = '90'] = process.argv.slice(2);
const deadline = Date.now() + Number(seconds) * 1000;

let lastError = 'no attempt';
while (Date.now() < deadline) {
  const admin = new Admin({
    clientId: 'smonnet-services',
    bootstrapBrokers: [broker],
    retries: 0,
    connectTimeout: 1000,
  });
  try {
    const cluster = await admin.metadata({ topics: [] });
    if (cluster.brokers.size > 0) {
      await admin.close();
      process.exit(0);
    }
    lastError = 'no broker in the metadata yet';
  } catch (err) {
    lastError = err instanceof Error ? err.message : String(err);
  }
  await admin.close().catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, 500));
}
console.error(`kafka at ${broker} did not answer metadata within ${seconds}s: ${lastError}`);
process.exit(1);
