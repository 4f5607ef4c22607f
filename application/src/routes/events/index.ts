import type { ServerResponse } from 'node:http';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HttpError } from '../../http-error';
import { compare, cursorOf, parseCursor, type LedgerEvent, type Position } from '../../fabric/event-hub';
import { replayEvents } from '../../fabric/event-listener';
import { UTILITY_ADMIN } from '../../principals';
import { errors, secured } from '../common';
import { asSeenBy, isVisible } from './visibility';

const HEARTBEAT_MS = 15_000;

const format = (event: LedgerEvent): string =>
  `id: ${cursorOf(event)}\nevent: ${event.type}\ndata: ${JSON.stringify({
    type: event.type,
    txId: event.txId,
    blockNumber: Number(event.block),
    payload: event.payload,
  })}\n\n`;

const eventsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { hub, connections, households } = app.gridshare;
  const open = new Set<ServerResponse>();
  app.addHook('onClose', async () => {
    for (const res of open) res.end();
  });

  app.get('/events', {
    schema: {
      tags: ['events'],
      security: secured,
      description:
        'Server-Sent Events of the ledger events the caller may see. `id:` is a cursor `<block>:<index>`; send it back as `Last-Event-ID` to resume without loss. ' +
        'For household members, market-wide events keep only their own household in `householdIds` and their own meters in `missingReadings`.',
      headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ maxLength: 64 })) }),
      response: { 200: Type.String({ description: 'text/event-stream' }), ...errors(400, 401) },
    },
    handler: async (request, reply) => {
      const user = request.user;
      const header = request.headers['last-event-id'];
      let resumeAfter: Position | undefined;
      if (header !== undefined && header !== '') {
        resumeAfter = parseCursor(header);
        if (!resumeAfter) throw new HttpError(400, 'VALIDATION_ERROR', 'Last-Event-ID must be a cursor <block>:<index> from this stream');
      }

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(': stream open\n\n');
      open.add(res);

      let last = resumeAfter;
      let closed = false;
      let replay: { close(): void } | undefined;
      // Visibility checks are async; a promise chain keeps events in ledger order.
      let chain = Promise.resolve();
      const send = async (event: LedgerEvent) => {
        if (closed || (last && compare(event, last) <= 0)) return;
        last = event;
        if (await isVisible(user, event, households)) res.write(format(await asSeenBy(user, event, households)));
      };
      const enqueue = (event: LedgerEvent) => {
        chain = chain.then(() => send(event)).catch((err: unknown) => request.log.warn({ err }, 'event delivery failed'));
      };

      // Subscribe first, so nothing committed during the catch-up falls between the two.
      const pending: LedgerEvent[] = [];
      let live = false;
      const unsubscribe = hub.subscribe((event) => (live ? enqueue(event) : pending.push(event)));
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
      res.on('close', () => {
        closed = true;
        unsubscribe();
        clearInterval(heartbeat);
        replay?.close();
        open.delete(res);
      });

      try {
        if (resumeAfter) {
          if (!hub.covers(resumeAfter)) {
            for await (const event of replayEvents(connections, UTILITY_ADMIN, resumeAfter, hub.floor, (s) => (replay = s))) {
              if (closed) break;
              await send(event);
            }
          }
          for (const event of hub.after(last)) await send(event);
        }
      } catch (err) {
        // End the stream rather than skip events: the client reconnects with its Last-Event-ID.
        if (!closed) {
          request.log.warn({ err }, 'event replay failed');
          res.end();
        }
        return;
      }
      live = true;
      for (const event of pending) enqueue(event);
    },
  });
};

export default eventsRoutes;
