import type { TlsIdentity } from './proxy';

/**
 * The lab's certificates, made at runtime and kept in memory only (never written to the project):
 * a lab CA the virtual browsers trust, and a server certificate it signs for the names the
 * balancer answers to (the configured public host, 127.0.0.1, localhost). A real HAProxy or nginx
 * gets them in a private temp file for as long as it runs. The X.509 library loads only when a lab
 * runs HTTPS: it is most of the code a balancer's thread would otherwise load at every start.
 */
// The package is CommonJS: its exports are the module's default (natively and in the CLI bundle alike).
const generate: typeof import('selfsigned').generate = async (...args) => (await import('selfsigned')).default.generate(...args);
export interface LabCa {
  key: string;
  cert: string;
}

export async function labCa(): Promise<LabCa> {
  const ca = await generate([{ name: 'commonName', value: 'AM Session Lab CA (generated at runtime, not trusted anywhere else)' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 30 * 86400_000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  return { key: ca.private, cert: ca.cert };
}

export async function serverCertificate(ca: LabCa, hosts: string[]): Promise<TlsIdentity> {
  const names = [...new Set([...hosts, '127.0.0.1', 'localhost'])];
  const leaf = await generate([{ name: 'commonName', value: names[0]! }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 30 * 86400_000),
    ca: { key: ca.key, cert: ca.cert },
    extensions: [
      { name: 'subjectAltName', altNames: names.map((n) => (/^[\d.]+$|:/.test(n) ? { type: 7 as const, ip: n } : { type: 2 as const, value: n })) },
      { name: 'extKeyUsage', serverAuth: true },
    ],
  });
  return { key: leaf.private, cert: leaf.cert };
}
