// TLS for `wsref serve` (RFC 6455 §4.1 step 5: wss:// is WebSocket over TLS; RFC 8441 on HTTP/2,
// which browsers only speak over TLS). The certificate is either the user's own (--tls-cert and
// --tls-key, PEM files) or a throwaway self-signed one made at start (--tls-self-signed). Node can
// make a key pair but not an X.509 certificate, so the self-signed one comes from the `openssl` tool.

import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A PEM key and certificate, as `tls.createServer` takes them. */
export interface TlsMaterial {
  key: string;
  cert: string;
  /** Where it came from, for the listening line: 'self-signed' or the certificate's file. */
  origin: string;
  /** The certificate's SHA-256 fingerprint, so a learner can check what the browser shows. */
  fingerprint: string;
}

/** How long a self-signed certificate of `wsref serve` is valid: it lives as long as the process. */
const SELF_SIGNED_DAYS = 2;

/** Why `--tls-self-signed` cannot work here, said in one line with the fix. */
export class TlsSetupError extends Error {}

/** Reads `--tls-cert` / `--tls-key`; a missing or unreadable file is a TlsSetupError naming it. */
export function readTlsFiles(certFile: string, keyFile: string): TlsMaterial {
  const read = (file: string, flag: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new TlsSetupError(`${flag} ${file}: ${(error as Error).message}`);
    }
  };
  const cert = read(certFile, '--tls-cert');
  return { key: read(keyFile, '--tls-key'), cert, origin: certFile, fingerprint: fingerprintOf(cert, '--tls-cert') };
}

/**
 * A new EC P-256 key and a self-signed certificate for localhost, 127.0.0.1, ::1 and `host` (when
 * it names one machine), made with `openssl req -x509`. Throws a TlsSetupError naming the package
 * when openssl is not installed.
 */
export function makeSelfSignedCertificate(host: string): TlsMaterial {
  const names = new Set(['DNS:localhost', 'IP:127.0.0.1', 'IP:::1']);
  if (host !== '0.0.0.0' && host !== '::') names.add(isIP(host) ? `IP:${host}` : `DNS:${host}`);
  const dir = mkdtempSync(path.join(tmpdir(), 'wsref-serve-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyFile, '-out', certFile, '-days', String(SELF_SIGNED_DAYS), '-subj', '/CN=localhost',
      '-addext', `subjectAltName=${[...names].join(',')}`,
    ], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
    const cert = readFileSync(certFile, 'utf8');
    return { key: readFileSync(keyFile, 'utf8'), cert, origin: 'self-signed', fingerprint: fingerprintOf(cert, 'openssl') };
  } catch (error) {
    if (error instanceof TlsSetupError) throw error;
    const failure = error as NodeJS.ErrnoException & { stderr?: Buffer };
    if (failure.code === 'ENOENT') {
      throw new TlsSetupError('--tls-self-signed needs the openssl command to make the certificate (Debian/Ubuntu: apt-get install openssl); or give your own with --tls-cert FILE --tls-key FILE');
    }
    throw new TlsSetupError(`openssl could not make a self-signed certificate: ${String(failure.stderr ?? failure.message).trim()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fingerprintOf(pem: string, source: string): string {
  try {
    return new X509Certificate(pem).fingerprint256;
  } catch (error) {
    throw new TlsSetupError(`${source}: not a PEM certificate (${(error as Error).message})`);
  }
}
