import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

// The outside auditors, testssl.sh 3.2.1 and ssh-audit 3.3.0 from Debian 13 (scripts/node/auditors), run by
// scripts/node/auditor.sh as a client on the LAN, and what their reports say.

const AUDITOR = path.join(__dirname, '../../scripts/node/auditor.sh');

/** Runs an auditor with `folder` at /work (files it reads, reports it writes); never throws. */
export function audit(folder: string, command: 'ssh-audit' | 'testssl', args: string[], timeoutMs = 300_000) {
  fs.mkdirSync(folder, { recursive: true });
  const out = spawnSync(AUDITOR, [folder, command, ...args], { encoding: 'utf-8', timeout: timeoutMs });
  return { status: out.status ?? -1, stdout: out.stdout ?? '', stderr: out.stderr ?? String(out.error ?? '') };
}

/** What `ssh-audit -j` reports of one server: its banner, and each algorithm it offers that ssh-audit fails or warns of. */
export interface SshAuditReport {
  readonly banner: string;
  readonly fail: string[];
  readonly warn: string[];
  readonly cves: unknown[];
}

export function sshAuditReport(json: string): SshAuditReport {
  const report = JSON.parse(json);
  const algorithms: any[] = ['kex', 'key', 'enc', 'mac'].flatMap((section) => report[section] ?? []);
  const noted = (level: string) => algorithms.filter((a) => (a.notes?.[level] ?? []).length > 0).map((a) => a.algorithm);
  return { banner: report.banner?.raw ?? '', fail: noted('fail'), warn: noted('warn'), cves: report.cves ?? [] };
}

/**
 * ssh-audit's newest built-in hardened policy for a server's OpenSSH version (the banner's), among those it
 * lists (`ssh-audit -L`): the one for that version, or the nearest older one it has.
 */
export function hardenedPolicyFor(banner: string, policyList: string): string {
  const version = banner.match(/OpenSSH_(\d+)\.(\d+)/);
  if (!version) throw new Error(`not an OpenSSH banner: ${banner}`);
  const wanted = Number(version[1]) * 100 + Number(version[2]);
  const policies = [...policyList.matchAll(/"(Hardened OpenSSH Server v(\d+)\.(\d+) \(version \d+\))"/g)]
    .map((m) => ({ name: m[1], version: Number(m[2]) * 100 + Number(m[3]) }))
    .filter((p) => p.version <= wanted)
    .sort((a, b) => b.version - a.version);
  if (policies.length === 0) throw new Error(`ssh-audit has no hardened OpenSSH policy for ${banner} or older:\n${policyList}`);
  return policies[0].name;
}

/** One finding of testssl.sh's JSON report. */
export interface TlsFinding {
  readonly id: string;
  readonly severity: string;
  readonly finding: string;
}

/**
 * Findings of severity MEDIUM or above that are about the certificate's issuer rather than the server: the lab's
 * ACME CA (Pebble) puts neither a CRL nor an OCSP address into its certificates (Let's Encrypt's carry a CRL
 * address), and testssl.sh rates that HIGH. Nothing the server's configuration could change.
 */
export const ISSUER_FINDINGS = ['cert_revocation'];

/**
 * What the project requires of a server's HTTPS, as testssl.sh saw it: grade A+, no finding of severity MEDIUM or
 * above (but {@link ISSUER_FINDINGS}), X25519MLKEM768 offered, no DHE cipher, and the headers a browser heeds.
 * Returns each requirement it misses, in words (none: all met).
 */
export function tlsProblems(findings: TlsFinding[], required: { grade?: boolean; headers?: boolean } = { grade: true, headers: true }): string[] {
  const by = (id: string) => findings.find((f) => f.id === id);
  const problems: string[] = [];
  if (required.grade && by('overall_grade')?.finding !== 'A+') problems.push(`grade ${by('overall_grade')?.finding ?? 'none'}, not A+`);
  for (const f of findings) {
    if (['MEDIUM', 'HIGH', 'CRITICAL'].includes(f.severity) && !ISSUER_FINDINGS.includes(f.id)) problems.push(`${f.severity} ${f.id}: ${f.finding}`);
  }
  if (!(by('FS_KEMs')?.finding ?? '').split(/\s+/).includes('X25519MLKEM768')) problems.push(`X25519MLKEM768 not offered (KEMs: ${by('FS_KEMs')?.finding ?? 'none'})`);
  const ciphers = by('FS_ciphers')?.finding ?? '';
  if (!ciphers) problems.push('no forward-secret cipher listed');
  const dhe = ciphers.split(/\s+/).filter((c) => /^DHE-|_DHE_/.test(c));
  if (dhe.length > 0) problems.push(`DHE offered: ${dhe.join(' ')}`);
  if (required.headers) {
    if (by('X-Content-Type-Options')?.finding !== 'nosniff') problems.push('no X-Content-Type-Options: nosniff');
    if (!by('Referrer-Policy')) problems.push('no Referrer-Policy');
    if (by('HSTS_time')?.severity !== 'OK') problems.push(`HSTS: ${by('HSTS_time')?.finding ?? 'none'}`);
  }
  return problems;
}
