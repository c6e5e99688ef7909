/** A real SMTP server for tests (smtp-server on 127.0.0.1): it keeps what it accepts and can refuse for a while. */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

export interface TestSmtp {
  port: number;
  /** Every letter accepted, in order. */
  received: ReceivedMail[];
  /** The recipients of every letter refused, in order. */
  refused: string[];
  close(): Promise<void>;
}

/**
 * Starts the server on `port` (any free one by default). While `refuse()` says so, a letter is refused
 * after its data with 451 — a temporary failure, as a busy or greylisting server answers.
 */
export async function startTestSmtp(options: { port?: number; refuse?: () => boolean } = {}): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  const refused: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        if (options.refuse?.()) {
          refused.push(...to);
          const error = new Error('Try again later') as Error & { responseCode: number };
          error.responseCode = 451;
          return callback(error);
        }
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to, raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    refused,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
