/** Daily index names by event time (UTC): `<prefix>-YYYY.MM.DD` and `<prefix>-counters-YYYY.MM.DD`. */

const DAY_MS = 86_400_000;

export interface IndexNamer {
  flows(timeMs: number): string;
  counters(timeMs: number): string;
}

/** Caches the current day's names: consecutive records nearly always fall on the same day. */
export function indexNamer(prefix: string): IndexNamer {
  let dayStart = Number.NaN;
  let flows = '';
  let counters = '';
  const refresh = (timeMs: number): void => {
    if (timeMs >= dayStart && timeMs < dayStart + DAY_MS) return;
    dayStart = Math.floor(timeMs / DAY_MS) * DAY_MS;
    const d = new Date(dayStart);
    const day = `${d.getUTCFullYear()}.${String(d.getUTCMonth() + 1).padStart(2, '0')}.${String(d.getUTCDate()).padStart(2, '0')}`;
    flows = `${prefix}-${day}`;
    counters = `${prefix}-counters-${day}`;
  };
  return {
    flows: (t) => {
      refresh(t);
      return flows;
    },
    counters: (t) => {
      refresh(t);
      return counters;
    },
  };
}
