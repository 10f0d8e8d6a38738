// TLS for `wsref serve` (RFC 6455 §4.1 step 5: wss:// is WebSocket over TLS; RFC 8441 on HTTP/2,
// which browsers only speak over TLS). The certificate is either the user's own (--tls-cert and
// --tls-key, PEM files) or a throwaway self-signed one made at start (--tls-self-signed). Node can
// make a key pair but not an X.509 certificate, so the self-signed one comes from the `openssl` tool.
//
// And the client's side, whom `wsref connect` trusts over wss:// (RFC 6455 §4.1 step 5 and §10.6:
// the TLS handshake checks the server's certificate, and a failure fails the connection; RFC 8441
// over HTTP/2 runs on the same TLS). By default that is Node's built-in root certificates (plus
// NODE_EXTRA_CA_CERTS). `--ca FILE` trusts the PEM certificates in FILE *instead* — Node's `ca`
// option replaces the roots, as curl's --cacert does — which is what a self-signed server needs.
// `--insecure` checks nothing, and says so.

import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type tls from 'node:tls';

/** A PEM key and certificate, as `tls.createServer` takes them. */
export interface TlsMaterial {
  key: string;
  cert: string;
  /** Where it came from, for the listening line: 'self-signed' or the certificate's file. */
  origin: string;
  /** The certificate's SHA-256 fingerprint, so a learner can check what the browser shows. */
  fingerprint: string;
  /** A self-signed certificate (never its key) left in a file for `wsref connect --ca` while the server runs. */
  certFile?: string;
  /** Removes `certFile`; safe to call twice. Also runs when the process exits. */
  dispose(): void;
}

/** How long a self-signed certificate of `wsref serve` is valid: it lives as long as the process. */
const SELF_SIGNED_DAYS = 2;

/** Why `--tls-self-signed` cannot work here, said in one line with the fix. */
export class TlsSetupError extends Error {}

/**
 * Reads `--tls-cert` / `--tls-key`; a missing or unreadable file, or one over 4 MiB (`/dev/zero`),
 * is a TlsSetupError naming it.
 */
export function readTlsFiles(certFile: string, keyFile: string): TlsMaterial {
  const cert = readBounded(certFile, '--tls-cert');
  return { key: readBounded(keyFile, '--tls-key'), cert, origin: certFile, fingerprint: fingerprintOf(cert, '--tls-cert'), dispose: () => {} };
}

/**
 * A new EC P-256 key and a self-signed certificate for localhost, 127.0.0.1, ::1 and `host` (when
 * it names one machine), made with `openssl req -x509`. Throws a TlsSetupError naming the package
 * when openssl is not installed. The key stays in memory only; the certificate also stays in a
 * temporary file (`certFile`) that clients can trust with --ca, until `dispose()` or exit.
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
    const key = readFileSync(keyFile, 'utf8');
    rmSync(keyFile, { force: true });
    const fingerprint = fingerprintOf(cert, 'openssl');
    const dispose = () => {
      process.off('exit', dispose);
      rmSync(dir, { recursive: true, force: true });
    };
    process.once('exit', dispose); // a crash or process.exit() before the server's own cleanup
    return { key, cert, origin: 'self-signed', fingerprint, certFile, dispose };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    if (error instanceof TlsSetupError) throw error;
    const failure = error as NodeJS.ErrnoException & { stderr?: Buffer };
    if (failure.code === 'ENOENT') {
      throw new TlsSetupError('--tls-self-signed needs the openssl command to make the certificate (Debian/Ubuntu: apt-get install openssl); or give your own with --tls-cert FILE --tls-key FILE');
    }
    throw new TlsSetupError(`openssl could not make a self-signed certificate: ${String(failure.stderr ?? failure.message).trim()}`);
  }
}

/** The SHA-256 fingerprint of a PEM certificate; a TlsSetupError naming `source` when it is not one. */
export function fingerprintOf(pem: string, source: string): string {
  try {
    return new X509Certificate(pem).fingerprint256;
  } catch (error) {
    throw new TlsSetupError(`${source}: not a PEM certificate (${(error as Error).message})`);
  }
}

/** Printed on stderr whenever `--insecure` is used. */
export const INSECURE_WARNING = "wsref: warning: --insecure: the server's certificate is not checked, so anyone on the way can read and change this connection";

/** A PEM file (--ca, --tls-cert, --tls-key) larger than this is refused: the whole Mozilla root bundle is about 0.2 MiB. */
const PEM_FILE_LIMIT = 4 * 1024 * 1024;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The TLS options for `--ca FILE` or `--insecure` (one at most; cli.ts checks); undefined for neither. */
export function trustOptions(caFile: string | undefined, insecure: boolean): tls.ConnectionOptions | undefined {
  if (insecure) return { rejectUnauthorized: false };
  return caFile === undefined ? undefined : { ca: readCaFile(caFile) };
}

/**
 * Every PEM certificate in `file` (one, or a bundle). A missing or unreadable file, one without a
 * certificate, one whose certificate does not parse, or one over 4 MiB is a one-line TlsSetupError.
 */
function readCaFile(file: string): string[] {
  const certificates = readBounded(file, '--ca').match(PEM_CERTIFICATE) ?? [];
  if (certificates.length === 0) {
    throw new TlsSetupError(`--ca ${file}: no PEM certificate in it (a certificate starts with the line -----BEGIN CERTIFICATE-----)`);
  }
  for (const pem of certificates) fingerprintOf(pem, `--ca ${file}`);
  return certificates;
}

/**
 * Reads the PEM file given with `flag`, at most PEM_FILE_LIMIT bytes, so that `--ca /dev/zero` is an
 * error, not a full memory. Pipes (`--ca <(…)`) work. Any failure is a TlsSetupError naming the file.
 */
function readBounded(file: string, flag: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buffer = Buffer.allocUnsafe(PEM_FILE_LIMIT + 1); // only the bytes read are ever looked at
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read) read = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > PEM_FILE_LIMIT) throw new TlsSetupError(`${flag} ${file}: larger than ${PEM_FILE_LIMIT / 1024 / 1024} MiB, not a PEM file`);
    return buffer.toString('utf8', 0, length);
  } catch (error) {
    if (error instanceof TlsSetupError) throw error;
    throw new TlsSetupError(`${flag} ${file}: ${(error as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Node's codes for a certificate whose issuer is not trusted (OpenSSL's X509_V_ERR_… names). */
const UNTRUSTED_ISSUER = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED',
]);

/**
 * What to do about a certificate that failed the check (RFC 6455 §4.1: the connection fails), to
 * append to the error line; '' when `error` is not about the certificate. The HTTP/2 client
 * carries the TLS error as the `cause` of its own.
 */
export function certificateAdvice(error: unknown, options: tls.ConnectionOptions | undefined): string {
  let code: unknown;
  for (let cause = error, depth = 0; cause instanceof Error && depth < 3 && code === undefined; cause = cause.cause, depth++) {
    code = (cause as NodeJS.ErrnoException).code;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return "; the server's certificate is not for this host name: connect by a name it lists (or skip the check with --insecure)";
  if (typeof code !== 'string' || !UNTRUSTED_ISSUER.has(code)) return '';
  if (options?.ca) return "; the certificates given with --ca do not vouch for the server's";
  return "; the server's certificate is not signed by an authority Node trusts: trust it with --ca FILE (wsref serve --tls-self-signed names its file), or skip the check with --insecure";
}
