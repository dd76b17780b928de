/**
 * ProcAPI's alert routes: the rules with what fires now, and [alert.NAME] sections written,
 * replaced or removed like tenants (validated as a whole file, written atomically, reloaded as
 * SIGHUP would; a running worker takes its new rules without a restart).
 */
import express, { type Request } from 'express';
import type { AlertRule } from '../alert/rule.js';
import { ALERT_NAME } from '../config/alerts.js';
import { hasSection, putSection, removeSection } from '../config/sections.js';
import type { ConfigStore } from '../config/store.js';
import { SmonnetError } from '../errors.js';
import type { Supervisor } from '../supervisor/supervisor.js';

function ruleName(name: string): string {
  if (!ALERT_NAME.test(name))
    throw new SmonnetError(
      'BAD_REQUEST',
      `rule name ${JSON.stringify(name)} must be 1-63 of a-z, 0-9, '_' and '-'`,
    );
  return name;
}

export function alertRoutes(
  supervisor: Supervisor,
  store: ConfigStore,
  sectionKeys: (body: unknown) => Record<string, string>,
): express.Router {
  const router = express.Router();
  const view = (rule: AlertRule) => {
    const alerts = supervisor.status().find((s) => s.name === rule.tenant)?.alerts;
    return {
      name: rule.name,
      tenant: rule.tenant,
      config: rule.source,
      figures: alerts?.rules.find((r) => r.rule === rule.name) ?? null,
      firing: alerts?.firing.filter((f) => f.rule === rule.name) ?? [],
    };
  };
  const find = (name: string): AlertRule => {
    const rule = supervisor.current.alerts.find((r) => r.name === name);
    if (!rule) throw new SmonnetError('NOT_FOUND', `no alert rule '${name}'`);
    return rule;
  };
  router.get('/alerts', (_req, res) => {
    res.json({ alerts: supervisor.current.alerts.map(view) });
  });
  router.get('/alerts/:name', (req: Request<{ name: string }>, res) => {
    res.json(view(find(req.params.name)));
  });
  router.put('/alerts/:name', async (req: Request<{ name: string }>, res) => {
    const name = ruleName(req.params.name);
    const keys = sectionKeys(req.body);
    let created = false;
    await store.update((text) => {
      created = !hasSection(text, `alert.${name}`);
      return putSection(text, `alert.${name}`, keys);
    });
    const reload = await supervisor.reload();
    res.status(created ? 201 : 200).json({ alert: view(find(name)), reload });
  });
  router.delete('/alerts/:name', async (req: Request<{ name: string }>, res) => {
    const name = ruleName(req.params.name);
    await store.update((text) => {
      if (!hasSection(text, `alert.${name}`)) throw new SmonnetError('NOT_FOUND', `no alert rule '${name}'`);
      return removeSection(text, `alert.${name}`);
    });
    res.json({ removed: name, reload: await supervisor.reload() });
  });
  return router;
}
