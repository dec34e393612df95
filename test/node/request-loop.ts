// A client on the LAN, in its own process so that nothing the tests do (they wait on kubectl, synchronously)
// ever pauses it: one GET every INTERVAL ms, each on a new connection (as a browser's first request), until it
// reads "stop" on stdin or reaches its bounds. It prints "ready" once, then, at the end, one JSON LoopReport.
//
//   ts-node request-loop.ts URL EXPECTED_BODY_FILE [INTERVAL_MS] [MAX_REQUESTS] [MAX_SECONDS] [TIMEOUT_MS]
import * as fs from 'fs';
import { get } from './site-client';

const [url, bodyFile, intervalArg, maxRequestsArg, maxSecondsArg, timeoutArg] = process.argv.slice(2);
const expected = fs.readFileSync(bodyFile, 'utf-8');
const intervalMs = Number(intervalArg ?? 50);
const maxRequests = Number(maxRequestsArg ?? 4000);
const maxSeconds = Number(maxSecondsArg ?? 180);
/** How long one request may wait for its answer before it counts as lost. */
const timeoutMs = Number(timeoutArg ?? 2000);

/** Why one GET failed, or undefined when it answered 200 with the expected page. */
const ca = fs.existsSync(`${bodyFile}.ca`) ? fs.readFileSync(`${bodyFile}.ca`, 'utf-8') : '';
const address = process.env.LOOP_ADDRESS || undefined;

async function check(): Promise<string | undefined> {
  const res = await get(url, { ca: ca || undefined, address, timeoutMs });
  return res.error ?? (res.status === 200 && res.body === expected ? undefined : `HTTP ${res.status}`);
}

async function main(): Promise<void> {
  let stop = false;
  process.stdin.on('data', (d) => { if (d.toString().includes('stop')) stop = true; });
  const start = Date.now();
  let requests = 0; let failed = 0; let lastOk = start; let longestGap = 0; let firstFailure = 0; let lastFailure = 0;
  const failures: string[] = [];
  process.stdout.write('ready\n');
  while (!stop && requests < maxRequests && Date.now() - start < maxSeconds * 1000) {
    const sent = Date.now();
    const error = await check();
    requests++;
    if (error === undefined) {
      longestGap = Math.max(longestGap, Date.now() - lastOk);
      lastOk = Date.now();
    } else {
      failed++;
      firstFailure = firstFailure || sent;
      lastFailure = sent;
      if (failures.length < 5) failures.push(`${((sent - start) / 1000).toFixed(1)}s: ${error}`);
    }
    const wait = intervalMs - (Date.now() - sent);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  longestGap = Math.max(longestGap, Date.now() - lastOk);
  process.stdout.write(`${JSON.stringify({ requests, failed, seconds: (Date.now() - start) / 1000, longestGapSeconds: longestGap / 1000, failureSpanSeconds: (lastFailure - firstFailure) / 1000, failures })}\n`);
  process.exit(0);
}

void main();
