// docker-compose.yml for the Autobahn|Testsuite runs: docker-compose accepts it, the suite's
// image is pinned to an exact release, each direction is its own profile, and the suite's
// configs point at the services and ports the testees actually use.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PORT } from '../../autobahn/server.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** The compose command available here: docker-compose (v1) or `docker compose` (v2), if any. */
function findCompose(): string[] | undefined {
  for (const command of [['docker-compose'], ['docker', 'compose']]) {
    const probe = spawnSync(command[0]!, [...command.slice(1), 'version'], { encoding: 'utf8', timeout: 20_000 });
    if (probe.status === 0) return command;
  }
  return undefined;
}

const compose = findCompose();
if (compose === undefined) {
  if (process.env.CI) {
    throw new Error('docker-compose is required in CI to validate docker-compose.yml');
  }
  console.warn('\n*** docker-compose is not installed: SKIPPING the docker-compose.yml validation tests ***\n');
}

function composeConfig(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(compose![0]!, [...compose!.slice(1), ...args, 'config'], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

let defaultConfig: string | undefined;
/** `docker-compose config` output for the file as a whole (computed once: each call takes seconds). */
function normalizedConfig(): string {
  defaultConfig ??= composeConfig().stdout;
  return defaultConfig;
}

/**
 * Reads service → profiles and service → image from `docker-compose config` output (normalized
 * YAML: `services:` at column 0, service names one level in, their keys one level further).
 */
function servicesOf(yaml: string): Map<string, { profiles: string[]; image?: string }> {
  const services = new Map<string, { profiles: string[]; image?: string }>();
  const lines = yaml.split('\n');
  const start = lines.indexOf('services:');
  let serviceIndent = -1;
  let current: { profiles: string[]; image?: string } | undefined;
  let inProfiles = false;
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') continue;
    const indent = line.length - line.trimStart().length;
    if (indent === 0) break; // next top-level key
    if (serviceIndent < 0) serviceIndent = indent;
    const text = line.trim();
    if (indent === serviceIndent) {
      current = { profiles: [] };
      services.set(text.replace(/:$/, ''), current);
      inProfiles = false;
    } else if (current !== undefined) {
      if (text.startsWith('- ') && inProfiles) current.profiles.push(text.slice(2).trim());
      else if (!text.startsWith('- ')) {
        inProfiles = text === 'profiles:';
        const image = /^image:\s*(\S+)$/.exec(text);
        if (image) current.image = image[1];
      }
    }
  }
  return services;
}

describe('[wsref] docker-compose.yml for Autobahn|Testsuite', () => {
  it.skipIf(compose === undefined)('[wsref] docker-compose config accepts the file', () => {
    const result = composeConfig();
    expect(result.stderr).not.toMatch(/error|invalid/i);
    expect(result.status).toBe(0);
    defaultConfig = result.stdout;
  });

  it.skipIf(compose === undefined)('[wsref] profile "server" is testee-server + fuzzingclient, profile "client" is fuzzingserver + testee-client', () => {
    for (const profile of ['server', 'client']) {
      expect(composeConfig('--profile', profile).status).toBe(0);
    }
    const services = servicesOf(normalizedConfig());
    expect([...services.keys()].filter((name) => !services.get(name)!.profiles.includes('chat')).sort()).toEqual(['fuzzingclient', 'fuzzingserver', 'testee-client', 'testee-server']);
    expect(services.get('testee-server')?.profiles).toEqual(['server']);
    expect(services.get('fuzzingclient')?.profiles).toEqual(['server']);
    expect(services.get('fuzzingserver')?.profiles).toEqual(['client']);
    expect(services.get('testee-client')?.profiles).toEqual(['client']);
  });

  it.skipIf(compose === undefined)('[wsref] the suite image is pinned to an exact release and the testees run on node:20', () => {
    const services = servicesOf(normalizedConfig());
    for (const suite of ['fuzzingclient', 'fuzzingserver']) {
      expect(services.get(suite)?.image).toMatch(/^crossbario\/autobahn-testsuite:\d+\.\d+\.\d+$/);
    }
    for (const testee of ['testee-server', 'testee-client']) {
      expect(services.get(testee)?.image).toBe('node:20');
    }
  });

  it('[wsref] the suite configs target the compose services, the testee port and the mounted reports folder', () => {
    const read = (name: string) => JSON.parse(readFileSync(`${REPO}autobahn/config/${name}`, 'utf8')) as Record<string, unknown>;
    const file = readFileSync(`${REPO}docker-compose.yml`, 'utf8');

    const fuzzingclient = read('fuzzingclient.json') as { servers: { agent: string; url: string }[]; outdir: string };
    expect(fuzzingclient.servers).toEqual([{ agent: 'wsref', url: `ws://testee-server:${DEFAULT_PORT}` }]);
    expect(fuzzingclient.outdir).toBe('/reports/servers');
    expect(file).toMatch(/^ {2}testee-server:$/m);

    const fuzzingserver = read('fuzzingserver.json') as { url: string; outdir: string };
    expect(new URL(fuzzingserver.url).port).toBe(String(DEFAULT_PORT));
    expect(fuzzingserver.outdir).toBe('/reports/clients');
    expect(file).toMatch(/AUTOBAHN_URL: ws:\/\/fuzzingserver:9001$/m);
    expect(file).toContain('./autobahn/reports:/reports');

    for (const local of ['local/fuzzingclient.json', 'local/fuzzingserver.json']) {
      const spec = read(local) as { url?: string; servers?: { url: string }[]; outdir: string };
      const url = spec.url ?? spec.servers![0]!.url;
      expect(new URL(url).hostname).toBe('127.0.0.1');
      expect(spec.outdir).toMatch(/^\.\/autobahn\/reports\/(servers|clients)$/);
    }
  });

  it.skipIf(compose === undefined)('[wsref] profile "chat" is redis, three chat processes on Redis and HAProxy with deploy/haproxy.cfg pointing at them', () => {
    const result = composeConfig('--profile', 'chat');
    expect(result.stderr).not.toMatch(/error|invalid/i);
    expect(result.status).toBe(0);
    const services = servicesOf(result.stdout);
    const chat = [...services].filter(([, s]) => s.profiles.includes('chat')).map(([name]) => name).sort();
    expect(chat).toEqual(['chat1', 'chat2', 'chat3', 'haproxy', 'redis']);
    for (const name of chat) expect(services.get(name)?.profiles).toEqual(['chat']);
    expect(services.get('chat1')?.image).toBe('node:20');
    expect(services.get('haproxy')?.image).toMatch(/^haproxy:2\.\d+/);
    // Every chat process reaches the compose Redis; HAProxy gets deploy/haproxy.cfg and one server per process.
    expect(result.stdout.match(/REDIS_URL: redis:\/\/redis:6379/g)).toHaveLength(3);
    expect(result.stdout).toMatch(/deploy\/haproxy\.cfg:\/usr\/local\/etc\/haproxy\/haproxy\.cfg:ro/);
    for (const i of [1, 2, 3]) expect(result.stdout).toContain(`CHAT_NODE_${i}: chat${i}:8080`);
    const haproxyConfig = readFileSync(`${REPO}deploy/haproxy.cfg`, 'utf8');
    for (const i of [1, 2, 3]) expect(haproxyConfig).toContain(`server chat${i} "\${CHAT_NODE_${i}}" check`);
    expect(haproxyConfig).toMatch(/^\s*timeout tunnel \S+/m);
  });
});
