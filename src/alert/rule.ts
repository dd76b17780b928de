/** A tenant's alert rule, as the config parser validated it (src/config/alerts.ts). */
import type { AlertValue, GroupBy } from './group-by.js';

export interface AlertRule {
  readonly name: string;
  readonly tenant: string;
  readonly value: AlertValue;
  readonly groupBy: GroupBy;
  /** The sliding window the value is averaged over. */
  readonly windowMs: number;
  /** Fires when the value is above (or below) the threshold for `forMs`. */
  readonly direction: 'above' | 'below';
  readonly threshold: number;
  /** Recovers when the value is back below (or above) this; the threshold unless set. */
  readonly recover: number;
  readonly forMs: number;
  readonly webhook: string;
  /** Groups tracked at most; the largest are kept. */
  readonly maxGroups: number;
  /** How late a record may arrive and still count; later ones are counted as late. */
  readonly latenessMs: number;
  /** The section's keys as written: a rule whose keys change restarts its state. */
  readonly source: Readonly<Record<string, string>>;
}
