// Usage: node scripts/lock-check.mjs COMMITTED_LOCK INSTALLED_LOCK
// Exit 0 when every package that was installed (npm's hidden lock in node_modules) is in the
// committed lock at the same version and integrity; else list the differences and exit 1.
import { readFileSync } from 'node:fs';

const [committedFile, installedFile] = process.argv.slice(2);
const packages = (file) => JSON.parse(readFileSync(file, 'utf8')).packages ?? {};
const committed = packages(committedFile);
const installed = packages(installedFile);
const problems = [];
for (const [path, entry] of Object.entries(installed)) {
  if (path === '' || entry.link) continue;
  const locked = committed[path];
  if (!locked) problems.push(`${path}@${entry.version}: installed, not in the committed lock`);
  else if (locked.version !== entry.version)
    problems.push(`${path}: installed ${entry.version}, locked ${locked.version}`);
  else if (locked.integrity && entry.integrity && locked.integrity !== entry.integrity)
    problems.push(`${path}@${entry.version}: integrity differs from the committed lock`);
}
if (problems.length > 0) {
  console.error(
    `install: the committed lock does not describe what installs here:\n  ${problems.join('\n  ')}`,
  );
  process.exit(1);
}
console.error(
  `install: all ${Object.keys(installed).length - 1} installed packages match the committed lock; ` +
    'the difference is optional packages for other platforms',
);
