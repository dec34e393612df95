import { hardenedPolicyFor, sshAuditReport, tlsProblems } from '../node/auditors';

// How the node tier reads the outside auditors' reports (test/node/auditors.ts), on reports shaped as they write them.

const POLICIES = `Server policies:
  * "Hardened OpenSSH Server v9.8 (version 1)"
  * "Hardened OpenSSH Server v9.9 (version 1)"
  * "Hardened OpenSSH Server v8.0 (version 4)"
  * "Hardened Ubuntu Server 24.04 LTS (version 1)"`;

describe("ssh-audit's reports", () => {
  test('the policy for a version, or the nearest older one ssh-audit has', () => {
    expect(hardenedPolicyFor('SSH-2.0-OpenSSH_10.0p2', POLICIES)).toBe('Hardened OpenSSH Server v9.9 (version 1)');
    expect(hardenedPolicyFor('SSH-2.0-OpenSSH_9.8p1 Debian-3', POLICIES)).toBe('Hardened OpenSSH Server v9.8 (version 1)');
    expect(() => hardenedPolicyFor('SSH-2.0-OpenSSH_7.4', POLICIES)).toThrow('no hardened OpenSSH policy for SSH-2.0-OpenSSH_7.4');
    expect(() => hardenedPolicyFor('SSH-2.0-dropbear_2022.83', POLICIES)).toThrow('not an OpenSSH banner');
  });

  test('each algorithm with a fail or a warn note', () => {
    const report = sshAuditReport(JSON.stringify({
      banner: { raw: 'SSH-2.0-OpenSSH_10.0p2' },
      kex: [{ algorithm: 'curve25519-sha256', notes: { info: ['default'] } }, { algorithm: 'ecdh-sha2-nistp256', notes: { fail: ['NSA'] } }],
      key: [{ algorithm: 'ssh-ed25519' }],
      enc: [],
      mac: [{ algorithm: 'umac-64@openssh.com', notes: { warn: ['small tag'] } }],
      cves: [],
    }));
    expect(report).toEqual({ banner: 'SSH-2.0-OpenSSH_10.0p2', fail: ['ecdh-sha2-nistp256'], warn: ['umac-64@openssh.com'], cves: [] });
  });
});

describe("testssl.sh's findings against what the project requires", () => {
  const good = [
    { id: 'overall_grade', severity: 'OK', finding: 'A+' },
    { id: 'FS_KEMs', severity: 'OK', finding: 'X25519MLKEM768' },
    { id: 'FS_ciphers', severity: 'INFO', finding: 'TLS_AES_256_GCM_SHA384 ECDHE-RSA-AES128-GCM-SHA256' },
    { id: 'X-Content-Type-Options', severity: 'OK', finding: 'nosniff' },
    { id: 'Referrer-Policy', severity: 'INFO', finding: 'strict-origin-when-cross-origin' },
    { id: 'HSTS_time', severity: 'OK', finding: '365 days (=31536000 seconds) > 15552000 seconds' },
    { id: 'cert_revocation', severity: 'HIGH', finding: 'Neither CRL nor OCSP URI provided' },
  ];
  test('a server that meets every requirement has no problem (the CA\'s own finding aside)', () => {
    expect(tlsProblems(good)).toEqual([]);
  });
  test('each miss is named', () => {
    const bad = good.map((f) => ({
      'overall_grade': { ...f, finding: 'A' },
      'FS_KEMs': { ...f, finding: '' },
      'FS_ciphers': { ...f, finding: 'ECDHE-RSA-AES128-GCM-SHA256 DHE-RSA-AES128-GCM-SHA256 TLS_DHE_RSA_WITH_AES_256_GCM_SHA384' },
      'X-Content-Type-Options': { ...f, finding: '--' },
      'HSTS_time': { ...f, severity: 'LOW', finding: '1 day' },
    } as Record<string, typeof f>)[f.id] ?? f).filter((f) => f.id !== 'Referrer-Policy');
    expect(tlsProblems([...bad, { id: 'BREACH', severity: 'MEDIUM', finding: 'potentially VULNERABLE' }])).toEqual([
      'grade A, not A+',
      'MEDIUM BREACH: potentially VULNERABLE',
      'X25519MLKEM768 not offered (KEMs: )',
      'DHE offered: DHE-RSA-AES128-GCM-SHA256 TLS_DHE_RSA_WITH_AES_256_GCM_SHA384',
      'no X-Content-Type-Options: nosniff',
      'no Referrer-Policy',
      'HSTS: 1 day',
    ]);
  });
});
