import net from 'node:net';

/**
 * A raw HTTP exchange: for requests fetch() refuses to send (bad bytes, huge headers). The request
 * should say `Connection: close`; the socket is not half-closed after writing, since Nginx takes a
 * client's EOF as an abort and drops a proxied request.
 */
export function rawRequest(
  port: number,
  head: Buffer | string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(head));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : 0, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
  });
}
