/**
 * A TCP proxy in front of a server (PostgreSQL, in the fault tests) that can cut every connection
 * through it at once — a network failure as the app sees it: sockets reset with queries in flight —
 * and refuse new ones for a while, as a server that is down does.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Connections open through the proxy now. */
  readonly open: number;
  /** Resets every connection through the proxy (both sides). */
  cutAll(): number;
  /** Stops listening: new connections are refused until `resume`. Open ones are cut. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let server: Server | null = null;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = createConnection(target);
        const pair: [Socket, Socket] = [client, upstream];
        pairs.add(pair);
        const drop = () => {
          pairs.delete(pair);
          client.destroy();
          upstream.destroy();
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as import('node:net').AddressInfo).port;
        server = s;
        resolve();
      });
    });
  const cutAll = () => {
    const count = pairs.size;
    for (const [client, upstream] of [...pairs]) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    pairs.clear();
    return count;
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = null;
      cutAll();
      if (s) s.close(() => resolve());
      else resolve();
    });
  await listen();
  return {
    get port() {
      return port;
    },
    get open() {
      return pairs.size;
    },
    cutAll,
    pause: stop,
    resume: listen,
    close: stop,
  };
}
