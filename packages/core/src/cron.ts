import { IConstruct } from 'constructs';
import { SiteError } from './errors';

/** The fields of a standard cron schedule, with their bounds and names, as Kubernetes' parser reads them. */
const FIELDS: ReadonlyArray<{ name: string; min: number; max: number; names?: readonly string[] | undefined }> = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

/** The descriptors Kubernetes' CronJob controller accepts (robfig/cron v3, ParseStandard). */
export const CRON_DESCRIPTORS: readonly string[] = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/**
 * Why `schedule` is not one a Kubernetes CronJob runs, or undefined when it is. The rules are those of the parser
 * the CronJob controller and the API server's validation use (robfig/cron v3, `ParseStandard`): five fields
 * (minute, hour, day of month, month, day of week) of `*`, `?`, numbers, ranges `a-b`, steps `/n` and comma lists,
 * with month and weekday names; or a descriptor (`@daily`, ...) or `@every <duration>`. A time zone inside the
 * schedule (`TZ=`, `CRON_TZ=`) is refused by the API server (the CronJob's `timeZone` field sets it).
 */
export function cronScheduleProblem(schedule: string): string | undefined {
  const text = schedule.trim();
  if (text === '') return 'is empty';
  if (/^(CRON_)?TZ=/.test(text)) return 'names a time zone, which Kubernetes refuses inside a schedule (the CronJob\'s timeZone field sets it)';
  if (text.startsWith('@')) {
    if (CRON_DESCRIPTORS.includes(text)) return undefined;
    const every = /^@every\s+(.+)$/.exec(text);
    if (every) return /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(every[1]) ? undefined : `has "@every ${every[1]}", which is not a duration such as 12h or 90m`;
    return `is an unknown descriptor (${CRON_DESCRIPTORS.join(', ')} or @every <duration>)`;
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 5) return `has ${fields.length} field${fields.length === 1 ? '' : 's'}, not 5 (minute hour day-of-month month day-of-week)`;
  for (const [i, field] of fields.entries()) {
    const problem = fieldProblem(field, FIELDS[i]);
    if (problem) return `has ${FIELDS[i].name} "${field}": ${problem}`;
  }
  return undefined;
}

/** Returns `schedule` when Kubernetes' CronJob parser takes it; throws naming the construct and the prop otherwise. */
export function requireCronSchedule(scope: IConstruct, prop: string, schedule: string): string {
  const problem = cronScheduleProblem(schedule);
  if (problem) {
    throw SiteError.invalidProp(scope, prop, schedule,
      `be a schedule Kubernetes' CronJob accepts, such as "0 3 * * *" or "@daily" (this one ${problem})`);
  }
  return schedule;
}

function fieldProblem(field: string, bounds: typeof FIELDS[number]): string | undefined {
  for (const part of field.split(',')) {
    const [range, step, ...more] = part.split('/');
    if (more.length > 0) return `"${part}" has two steps`;
    if (step !== undefined && !/^\d+$/.test(step)) return `the step of "${part}" is not a number`;
    if (step !== undefined && Number(step) === 0) return `the step of "${part}" is 0`;
    if (range === '*' || range === '?') continue;
    const ends = range.split('-');
    if (ends.length > 2 || ends.some((e) => e === '')) return `"${range}" is not a number, a name or a range a-b`;
    const values: number[] = [];
    for (const end of ends) {
      const index = bounds.names?.indexOf(end.toLowerCase()) ?? -1;
      const value = index >= 0 ? index + bounds.min : /^\d+$/.test(end) ? Number(end) : NaN;
      if (Number.isNaN(value)) return `"${end}" is not a number${bounds.names ? ' or a name' : ''}`;
      if (value < bounds.min || value > bounds.max) return `${end} is outside ${bounds.min}-${bounds.max}`;
      values.push(value);
    }
    if (values.length === 2 && values[0] > values[1]) return `the range "${range}" runs backwards`;
  }
  return undefined;
}

/**
 * The longest time between two runs of `schedule` (a valid one), in seconds: what an alert on "the newest backup is
 * older than its schedule allows" must wait. Counted over two years of minutes in UTC (`@every` by its duration).
 * Robfig's rule applies: with both day of month and day of week restricted, a day matching either runs.
 */
export function cronLongestGapSeconds(schedule: string): number {
  const text = schedule.trim();
  const descriptor: Record<string, string> = {
    '@yearly': '0 0 1 1 *',
    '@annually': '0 0 1 1 *',
    '@monthly': '0 0 1 * *',
    '@weekly': '0 0 * * 0',
    '@daily': '0 0 * * *',
    '@midnight': '0 0 * * *',
    '@hourly': '0 * * * *',
  };
  const every = /^@every\s+(.+)$/.exec(text);
  if (every) {
    const units: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
    return [...every[1].matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)].reduce((n, m) => n + Number(m[1]) * units[m[2]], 0);
  }
  const fields = (descriptor[text] ?? text).split(/\s+/);
  const sets = fields.map((field, i) => fieldValues(field, FIELDS[i]));
  const [minutes, hours, days, months, weekdays] = sets;
  const anyDay = fields[2] === '*' || fields[2] === '?';
  const anyWeekday = fields[4] === '*' || fields[4] === '?';
  const dayMatches = (d: Date) => (anyDay || anyWeekday
    ? days.has(d.getUTCDate()) && weekdays.has(d.getUTCDay())
    : days.has(d.getUTCDate()) || weekdays.has(d.getUTCDay()));
  const start = Date.UTC(2026, 0, 1);
  let last: number | undefined;
  let longest = 0;
  for (let day = 0; day < 731; day++) {
    const date = new Date(start + day * 86_400_000);
    if (!months.has(date.getUTCMonth() + 1) || !dayMatches(date)) continue;
    for (const h of [...hours].sort((a, b) => a - b)) {
      for (const m of [...minutes].sort((a, b) => a - b)) {
        const t = date.getTime() / 1000 + h * 3600 + m * 60;
        if (last !== undefined) longest = Math.max(longest, t - last);
        last = t;
      }
    }
  }
  return longest;
}

/** The values one valid field of a schedule matches. */
function fieldValues(field: string, bounds: typeof FIELDS[number]): Set<number> {
  const values = new Set<number>();
  const value = (text: string) => (/^\d+$/.test(text) ? Number(text) : bounds.names!.indexOf(text.toLowerCase()) + (bounds.name === 'month' ? 1 : 0));
  for (const part of field.split(',')) {
    const [range, step] = part.split('/');
    let [lo, hi] = [bounds.min, bounds.max];
    if (range !== '*' && range !== '?') {
      const ends = range.split('-').map(value);
      lo = ends[0];
      hi = ends.length > 1 ? ends[1] : (step !== undefined ? bounds.max : ends[0]);
    }
    for (let v = lo; v <= hi; v += step !== undefined ? Number(step) : 1) values.add(bounds.name === 'day of week' && v === 7 ? 0 : v);
  }
  return values;
}
