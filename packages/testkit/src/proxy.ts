import { createServer, connect as tcp, type Server, type Socket } from 'node:net';

/** A TCP proxy a test can take down (dropping and refusing connections) and bring back on the same port. */
export interface TcpProxy {
  /** Starts listening (the first time on a free port, then on the same one); resolves to the port. */
  up(): Promise<number>;
  /** Drops every connection and stops listening: the server behind looks down. */
  down(): Promise<void>;
}

/**
 * A TCP proxy to `target` (a URL with a host and port, e.g. a database's): a real outage of a
 * real server, for the tests of what a worker does while its database is down.
 */
export function tcpProxy(target: URL, defaultPort = 5432): TcpProxy {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const up = (): Promise<number> =>
    new Promise((resolve, reject) => {
      server = createServer((client) => {
        const upstream = tcp(Number(target.port || defaultPort), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port;
        resolve(port);
      });
    });
  const down = (): Promise<void> =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      if (server === undefined) resolve();
      else server.close(() => resolve());
      server = undefined;
    });
  return { up, down };
}
