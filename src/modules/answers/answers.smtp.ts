/**
 * The inbound mail listener (smtp-server): the deployment's MTA hands it the mail of the reply domain
 * (INBOUND_SMTP_PORT, off by default). A message is accepted (250) only once it is stored with its
 * processing queued; a database outage answers 451, so the MTA keeps the message and tries again —
 * nothing acknowledged is lost. A message above INBOUND_MAIL_MAX_MB is refused whole (552), not cut.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { AppContext } from '../../core/context.ts';
import { receiveInbound } from './answers.service.ts';

export interface InboundSmtp {
  port: number;
  close(): Promise<void>;
}

const smtpError = (message: string, responseCode: number) => Object.assign(new Error(message), { responseCode });

export async function startInboundSmtp(ctx: AppContext, port: number, host: string): Promise<InboundSmtp> {
  const limit = ctx.config.inboundMailMaxBytes;
  const server = new SMTPServer({
    // The MTA on the same network relays to it; there is nobody to authenticate and nothing to encrypt on loopback.
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: limit,
    banner: 'Democrator inbound mail',
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error) => callback(error));
      stream.on('end', () => {
        if (stream.sizeExceeded) return callback(smtpError(`Message exceeds the limit of ${limit} bytes`, 552));
        receiveInbound(ctx, {
          channel: 'smtp',
          raw: Buffer.concat(chunks),
          envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          envelopeTo: session.envelope.rcptTo.map((recipient) => recipient.address),
        }).then(
          (id) => callback(null, `Queued as ${id}`),
          (error: unknown) => {
            ctx.log.error({ err: error }, 'an inbound message could not be stored; the sender is told to try again');
            callback(smtpError('Temporary failure, try again later', 451));
          },
        );
      });
    },
  });
  server.on('error', (error) => ctx.log.warn({ err: error }, 'inbound mail listener'));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
