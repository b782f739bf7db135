// A real local HTTP receiver for QStash end-to-end tests (Bun.serve on port 0): records every
// request and verifies its signature with the official Receiver (URL claim and body hash
// included), so every delivery a test sees is proven signed.

import { Receiver } from "@upstash/qstash";
import type { Server } from "bun";

export interface Delivery {
  method: string;
  url: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  receivedAtMs: number;
  /** True, or the Receiver's error text. */
  verified: true | string;
}

type Behaviour = (request: Request, delivery: Delivery, countForPath: number) => Response | Promise<Response>;

export interface TestReceiver extends Disposable {
  url: string;
  deliveries: Delivery[];
  /** Deliveries to one path (without query). */
  to(path: string): Delivery[];
  /** How the receiver answers a path; default 200 "ok". */
  on(path: string, behaviour: Behaviour): void;
  server: Server<undefined>;
}

export function startReceiver(keys: { currentSigningKey: string; nextSigningKey: string }): TestReceiver {
  const receiver = new Receiver(keys);
  const deliveries: Delivery[] = [];
  const behaviours = new Map<string, Behaviour>();
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 60,
    async fetch(request) {
      const body = await request.text();
      const url = new URL(request.url);
      let verified: true | string;
      try {
        verified = (await receiver.verify({ signature: request.headers.get("upstash-signature") ?? "", body, url: request.url })) ? true : "false";
      } catch (error) {
        verified = String((error as Error).message);
      }
      const delivery: Delivery = {
        method: request.method,
        url: request.url,
        path: url.pathname,
        headers: Object.fromEntries(request.headers),
        body,
        receivedAtMs: Date.now(),
        verified,
      };
      deliveries.push(delivery);
      const behaviour = behaviours.get(url.pathname);
      const count = deliveries.filter((d) => d.path === url.pathname).length;
      return behaviour === undefined ? new Response("ok") : behaviour(request, delivery, count);
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    deliveries,
    server,
    to: (path) => deliveries.filter((delivery) => delivery.path === path),
    on: (path, behaviour) => void behaviours.set(path, behaviour),
    [Symbol.dispose]: () => void server.stop(true),
  };
}
