// The RESP listener (`--resp-port`) of the real server, against a real redis-server whose
// password is the same token: the same commands on both, compared reply by reply.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { SeededRandom, randomInt, type Random } from "../../src/util/random.ts";
import { startRedisOracle, type RedisOracle } from "../harness/redis-oracle.ts";
import { RespClient } from "../harness/resp-client.ts";
import { startServer, type TestServer } from "../harness/server.ts";

let server: TestServer;
let oracle: RedisOracle;

beforeAll(async () => {
  server = await startServer({ args: ["--resp-port", "0"] });
  oracle = await startRedisOracle();
  await oracle.client.send(["CONFIG", "SET", "requirepass", server.token]);
});

afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
  await oracle?.stop();
});

async function both(): Promise<[RespClient, RespClient]> {
  return [await RespClient.connect(oracle.port), await RespClient.connect(server.respPort!)];
}

/** Sends each command to both servers in turn and expects the same replies. */
async function expectSameReplies(commands: string[][]): Promise<void> {
  const [redis, downstash] = await both();
  try {
    for (const argv of commands) {
      const [expected, actual] = await Promise.all([redis.send(argv), downstash.send(argv)]);
      expect({ argv, reply: actual }).toEqual({ argv, reply: expected });
    }
  } finally {
    redis.close();
    downstash.close();
  }
}

describe("RESP connection commands", () => {
  test("authentication answers NOAUTH, WRONGPASS and OK as redis-server does", async () => {
    await expectSameReplies([
      ["PING"],
      ["GET", "k"],
      ["AUTH", "not-the-token"],
      ["AUTH", "someone", server.token],
      ["AUTH", "default", "not-the-token"],
      ["AUTH"],
      ["AUTH", "default", server.token],
      ["PING"],
      ["AUTH", server.token],
      ["SELECT", "0"],
      ["SELECT", "x"],
      ["CLIENT", "GETNAME"],
      ["CLIENT", "SETNAME", "app"],
      ["CLIENT", "GETNAME"],
      ["CLIENT", "SETNAME", "has space"],
    ]);
  });

  test("MULTI queues, EXEC runs atomically with per-entry runtime errors, and errors abort as in redis-server", async () => {
    await expectSameReplies([
      ["AUTH", server.token],
      ["DEL", "tx:a", "tx:list"],
      ["EXEC"],
      ["DISCARD"],
      ["MULTI"],
      ["MULTI"],
      ["SET", "tx:a", "1"],
      ["INCR", "tx:a"],
      ["LPUSH", "tx:a", "x"],
      ["GET", "tx:a"],
      ["EXEC"],
      ["MULTI"],
      ["SET", "tx:a", "5"],
      ["NOSUCHCOMMAND", "x"],
      ["GET"],
      ["EXEC"],
      ["GET", "tx:a"],
      ["MULTI"],
      ["RPUSH", "tx:list", "a", "b"],
      ["DISCARD"],
      ["EXISTS", "tx:list"],
    ]);
  });
});

describe("MONITOR of RESP clients", () => {
  /** The lines a monitor saw, without their time, clients named alike (`lua` stays). */
  const normalized = (lines: string[]) => lines.map((line) => line.replace(/^\d+\.\d{6} /, "").replace(/^\[0 (?!lua\])[^\]]+\]/, "[0 client]"));
  const done = '"ECHO" "monitor-done"';
  interface Monitor {
    /** Settles once the monitor is on: what follows is shown to it. */
    opened: Promise<void>;
    /** Its lines, once the done marker came. */
    lines: Promise<string[]>;
  }

  /** redis-server's MONITOR, over a socket of its own. */
  function redisMonitor(): Monitor {
    const opened = Promise.withResolvers<void>();
    const lines = new Promise<string[]>((resolve, reject) => {
      const socket = connect(oracle.port, "127.0.0.1");
      let text = "";
      socket.on("error", reject);
      socket.on("data", (data) => {
        text += data.toString("latin1");
        // Two +OK: AUTH's and MONITOR's.
        if (text.startsWith("+OK\r\n+OK\r\n")) opened.resolve();
        if (!text.includes(done)) return;
        socket.destroy();
        resolve(text.split("\r\n").filter((line) => line.startsWith("+") && line !== "+OK").map((line) => line.slice(1)));
      });
      socket.write(`AUTH ${server.token}\r\nMONITOR\r\n`);
    });
    return { opened: opened.promise, lines };
  }

  /** downstash's /monitor stream. */
  function downstashMonitor(): Monitor {
    const opened = Promise.withResolvers<void>();
    const lines = (async () => {
      const response = await fetch(`${server.url}/monitor`, { method: "POST", headers: { authorization: `Bearer ${server.token}`, accept: "text/event-stream" } });
      const reader = response.body!.getReader();
      let text = "";
      while (!text.includes(done)) {
        text += new TextDecoder().decode((await reader.read()).value);
        if (text.startsWith('data: "OK"')) opened.resolve();
      }
      await reader.cancel();
      return text.split("\n\n").filter((line) => line.startsWith("data: ") && line !== 'data: "OK"').map((line) => line.slice("data: ".length));
    })();
    return { opened: opened.promise, lines };
  }

  test("transactions, scripts, refused and admin commands show as in redis-server", async () => {
    const [redis, downstash] = await both();
    try {
      for (const client of [redis, downstash]) await client.send(["AUTH", server.token]);
      const monitors = [redisMonitor(), downstashMonitor()];
      await Promise.all(monitors.map((monitor) => monitor.opened));
      const commands = [
        ["EXEC"],
        ["DISCARD"],
        ["MULTI"],
        ["MULTI"],
        ["SET", "mon:a", "1"],
        ["EVAL", "return redis.call('GET', KEYS[1])", "1", "mon:a"],
        ["GET", "mon:a"],
        ["EXEC"],
        ["MULTI"],
        ["SET", "mon:a", "5"],
        ["NOSUCHCOMMAND", "x"],
        ["GET"],
        ["EXEC"],
        ["MULTI"],
        ["RPUSH", "mon:list", "a"],
        ["DISCARD"],
        ["NOSUCHCOMMAND"],
        ["GET"],
        ["MULTI", "x"],
        ["GET", "mon:a"],
        // Admin commands are kept out, in a transaction too.
        ["SAVE"],
        ["LASTSAVE"],
        ["MULTI"],
        ["BGSAVE", "SCHEDULE"],
        ["DBSIZE"],
        ["EXEC"],
        ["ECHO", "monitor-done"],
      ];
      for (const argv of commands) await Promise.all([redis.send(argv), downstash.send(argv)]);
      const [expected, actual] = await Promise.all(monitors.map((monitor) => monitor.lines));
      expect(normalized(expected!)).toContain('[0 lua] "GET" "mon:a"');
      expect(normalized(actual!)).toEqual(normalized(expected!));
    } finally {
      redis.close();
      downstash.close();
    }
  });
});

describe("RESP commands", () => {
  test("SELECT of any database but 0 is refused: a token opens one keyspace, as on Upstash", async () => {
    const client = await RespClient.connect(server.respPort!);
    try {
      await client.send(["AUTH", server.token]);
      expect(await client.send(["SELECT", "1"])).toEqual(expect.objectContaining({ message: "ERR DB index is out of range" }));
    } finally {
      client.close();
    }
  });

  test("seeded random pipelines of string, hash and list commands reply exactly as redis-server", async () => {
    const [redis, downstash] = await both();
    try {
      await Promise.all([redis.send(["AUTH", server.token]), downstash.send(["AUTH", server.token])]);
      const random = new SeededRandom(20261128);
      for (let batch = 0; batch < 40; batch++) {
        const commands = Array.from({ length: 25 }, () => randomCommand(random));
        const [expected, actual] = await Promise.all([redis.pipeline(commands), downstash.pipeline(commands)]);
        for (let i = 0; i < commands.length; i++) expect({ argv: commands[i], reply: actual[i] }).toEqual({ argv: commands[i], reply: expected[i] });
      }
    } finally {
      redis.close();
      downstash.close();
    }
  });

  test("a read-only token reads and is refused writes", async () => {
    const client = await RespClient.connect(server.respPort!);
    try {
      expect(await client.send(["AUTH", server.readonlyToken])).toEqual(expect.objectContaining({ status: "OK" }));
      expect(await client.send(["GET", "ro:key"])).toBeNull();
      const refused = await client.send(["SET", "ro:key", "v"]);
      expect(String((refused as { message?: string }).message)).toStartWith("NOPERM");
      expect(await client.send(["EXISTS", "ro:key"])).toBe(0);
    } finally {
      client.close();
    }
  });

  test("redis-cli, Redis's own client, sets and reads back with the token as password", () => {
    const cli = (...args: string[]) =>
      Bun.spawnSync(["redis-cli", "-p", String(server.respPort), "-a", server.token, "--no-auth-warning", ...args]).stdout.toString().trim();
    expect(cli("SET", "cli:key", "héllo")).toBe("OK");
    expect(cli("GET", "cli:key")).toBe("héllo");
    expect(cli("INCRBY", "cli:n", "41")).toBe("41");
  });
});

describe("RESP bad input", () => {
  test("a protocol error is answered with Redis's text, closes that connection only, and runs nothing", async () => {
    const answer = await rawExchange(server.respPort!, `AUTH ${server.token}\r\n*2\r\n$3\r\nDEL\r\n+bad:key\r\nSET bad:key 1\r\n`);
    expect(answer).toBe("+OK\r\n-ERR Protocol error: expected '$', got '+'\r\n");
    const client = await RespClient.connect(server.respPort!);
    try {
      await client.send(["AUTH", server.token]);
      expect(await client.send(["EXISTS", "bad:key"])).toBe(0);
    } finally {
      client.close();
    }
  });

  test("a stranger cannot send large requests before authenticating", async () => {
    const answer = await rawExchange(server.respPort!, `*2\r\n$4\r\nAUTH\r\n$100000\r\n`);
    expect(answer).toBe("-ERR Protocol error: unauthenticated bulk length\r\n");
  });
});

describe("RESP durability", () => {
  test("writes acknowledged over RESP survive kill -9 and a restart", async () => {
    await using first = await startServer({ args: ["--resp-port", "0"], keepDataDir: true });
    const client = await RespClient.connect(first.respPort!);
    await client.send(["AUTH", first.token]);
    const writes = Array.from({ length: 500 }, (_, i) => ["SET", `durable:${i}`, `value-${i}`]);
    const replies = await client.pipeline(writes);
    expect(replies.every((reply) => (reply as { status?: string }).status === "OK")).toBe(true);
    client.close();
    first.process.kill("SIGKILL");
    await first.process.exited;

    await using second = await startServer({ args: ["--resp-port", "0"], dataDir: first.dataDir });
    const reader = await RespClient.connect(second.respPort!);
    try {
      await reader.send(["AUTH", second.token]);
      const values = await reader.send(["MGET", ...writes.map((argv) => argv[1]!)]);
      expect(values).toEqual(writes.map((argv) => argv[2]!));
    } finally {
      reader.close();
    }
  });
});

const KEYS = ["k:a", "k:b", "k:c", "h:a", "l:a"];

function pick<T>(random: Random, items: readonly T[]): T {
  return items[randomInt(random, items.length)]!;
}

function randomCommand(random: Random): string[] {
  const key = pick(random, KEYS);
  const value = pick(random, ["1", "-7", "x", "", "\xff\x00bin", "12345678901234567890", "3.5"]);
  switch (randomInt(random, 14)) {
    case 0:
      return ["SET", key, value];
    case 1:
      return ["GET", key];
    case 2:
      return ["INCR", key];
    case 3:
      return ["APPEND", key, value];
    case 4:
      return ["DEL", key];
    case 5:
      return ["HSET", key, pick(random, ["f", "g"]), value];
    case 6:
      return ["HGET", key, "f"];
    case 7:
      return ["LPUSH", key, value];
    case 8:
      return ["LRANGE", key, "0", "-1"];
    case 9:
      return ["STRLEN", key];
    case 10:
      return ["MSET", key, value, pick(random, KEYS), value];
    case 11:
      return ["MGET", key, pick(random, KEYS)];
    case 12:
      return ["INCRBYFLOAT", key, value];
    default:
      return ["TYPE", key];
  }
}

/** Writes `request` on a fresh connection and collects everything until the server closes it. */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server did not close the connection; got ${JSON.stringify(Buffer.concat(chunks).toString("latin1"))}`));
    }, 5000);
    socket.on("connect", () => socket.write(Buffer.from(request, "latin1")));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("latin1"));
    });
  });
}
