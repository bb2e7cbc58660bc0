/**
 * Who can reach a port: the addresses a listening socket is bound to (Linux's
 * /proc/net/tcp and tcp6) and whether a connection to a given address gets through.
 */
import { readFile } from 'node:fs/promises';
import { connect, isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';

/** "0100007F" → "127.0.0.1"; a tcp6 address is four little-endian 32-bit words. */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => Number.parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}

/** The local addresses of the sockets listening on `port` (Linux only: [] elsewhere). */
export async function listeningAddresses(port: number): Promise<string[]> {
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== '0A') continue; // 0A: LISTEN
      const [address, portHex] = local.split(':');
      if (address && Number.parseInt(portHex ?? '', 16) === port) found.push(decodeAddress(address));
    }
  }
  return found;
}

/** 127.0.0.0/8, ::1 and ::ffff:127.x (an IPv4 loopback seen through an IPv6 socket). */
export function isLoopback(address: string): boolean {
  if (isIPv4(address)) return address.startsWith('127.');
  const groups = address.split(':');
  if (address === '0:0:0:0:0:0:0:1') return true;
  return groups.slice(0, 6).join(':') === '0:0:0:0:0:ffff' && Number.parseInt(groups[6] ?? '', 16) >> 8 === 127;
}

/** This machine's addresses other than loopback (those the network reaches). */
export function externalAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((i) => !i.internal && !i.address.startsWith('fe80:'))
    .map((i) => i.address);
}

/** Whether a TCP connection to host:port is accepted. */
export function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
