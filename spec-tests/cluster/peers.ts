// The system peers of the chat cluster tests: Debian's redis-server and haproxy. Missing locally →
// the tests skip with a loud notice; under CI=true they run (and fail), as for every system peer.

import { spawnSync } from 'node:child_process';
import { systemPeerGate } from '../helpers/node-peers.js';

const installed = (command: string, versionFlag: string) => spawnSync(command, [versionFlag], { timeout: 10_000 }).status === 0;

/** Whether redis-server and haproxy tests run here. */
export function clusterPeersGate(): boolean {
  return systemPeerGate('redis-server and haproxy (apt-get install redis-server haproxy)', installed('redis-server', '--version') && installed('haproxy', '-v'));
}
