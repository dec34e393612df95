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
