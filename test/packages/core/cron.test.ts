import { cronScheduleProblem } from '@cdk8s-vserver/core';

// The schedules Kubernetes' CronJob parser (robfig/cron v3 ParseStandard, as the API server validates them) takes
// and refuses: the synth must agree with the cluster both ways.
describe('cron schedules as Kubernetes reads them', () => {
  test.each([
    '0 3 * * *', '*/15 * * * *', '0 0 1,15 * *', '30 2 * * 1-5', '0 4 * jan,jul sun', '0 0 ? * MON', '5-10/2 * * * *', '0 22 * * 6',
    '@daily', '@midnight', '@hourly', '@weekly', '@monthly', '@yearly', '@annually', '@every 12h', '@every 1h30m',
  ])('takes %s', (schedule) => {
    expect(cronScheduleProblem(schedule)).toBeUndefined();
  });

  test.each([
    ['', 'is empty'],
    ['nightly', 'has 1 field, not 5 (minute hour day-of-month month day-of-week)'],
    ['0 3 * * * *', 'has 6 fields, not 5'],
    ['60 3 * * *', 'has minute "60": 60 is outside 0-59'],
    ['0 24 * * *', 'has hour "24": 24 is outside 0-23'],
    ['0 3 0 * *', 'has day of month "0": 0 is outside 1-31'],
    ['0 3 * 13 *', 'has month "13": 13 is outside 1-12'],
    ['0 3 * * 7', 'has day of week "7": 7 is outside 0-6'],
    ['0 3 * * mon-sun', 'has day of week "mon-sun": the range "mon-sun" runs backwards'],
    ['*/0 * * * *', 'has minute "*/0": the step of "*/0" is 0'],
    ['0 3 * * noday', 'has day of week "noday": "noday" is not a number or a name'],
    ['@nightly', 'is an unknown descriptor'],
    ['@every day', 'has "@every day", which is not a duration'],
    ['TZ=Europe/Berlin 0 3 * * *', 'names a time zone'],
    ['CRON_TZ=UTC 0 3 * * *', 'names a time zone'],
  ])('refuses %j: it %s', (schedule, problem) => {
    expect(cronScheduleProblem(schedule)).toContain(problem);
  });
});
