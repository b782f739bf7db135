// The RESP facade (DESIGN §1): the optional second listener (`--resp-port`) that speaks RESP2 over
// TCP on the same engine as REST, for redis-cli, redis-benchmark and TCP clients (ioredis,
// node-redis, Bun's RedisClient). Every command goes through the one dispatcher; what this module
// adds is the connection: its credential, its MULTI queue, its name, and replies in order.
// The token is the password, as with Upstash's TCP endpoint: `AUTH <token>`, `AUTH default
// <token>` or `HELLO 2 AUTH default <token>`; the token picks the database and its access.
// A reply to a command that wrote leaves only once the change-log entries are committed (DESIGN
// §5), so pipelined replies queue behind the turn's group commit; a commit that fails turns the
// replies of the commands that wrote into its error (not acknowledged), and reads keep theirs.
// As in http1.ts, replies go out at the end of the event-loop turn (server/turn-end.ts).
// Not here: RESP3 (HELLO 3 answers NOPROTO, and clients fall back to RESP2), SUBSCRIBE and
// MONITOR (the REST streams /subscribe, /psubscribe and /monitor serve them), WATCH, TLS.

import type { Socket, TCPSocketListener } from "bun";
import type { Access } from "../platform/databases.ts";
import { TurnEndQueue, type PausableSocket } from "../server/turn-end.ts";
import type { Logger } from "../util/log.ts";
import { REDIS_COMPATIBLE_VERSION } from "./commands/server.ts";
import { int64OrThrow, parseInt64 } from "./engine/args.ts";
import type { CommandSpec, Session } from "./engine/command.ts";
import type { Dispatcher } from "./engine/dispatcher.ts";
import { RedisError, errors } from "./engine/errors.ts";
import { ErrorReply, OK, StatusReply, type Reply } from "./engine/reply.ts";
import { encodeResp } from "./resp-codec.ts";
import { RespProtocolError, RespReader } from "./resp-reader.ts";
import { dispatchWhenFree, runMonitoredTransaction, showToMonitors, whenFree } from "./scripting/runner.ts";

export interface RespOptions {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  dispatcher: Dispatcher;
  authenticate(token: string): Access | undefined;
  /** The largest argument accepted, as REST's largest request body. */
  maxRequestBytes: number;
  log?: Logger;
}

export interface RespServer {
  readonly port: number;
  /**
   * Stops accepting, lets every connection's queued replies go out (a command already read is
   * answered), then closes the connections; resolves once all are closed.
   */
  stop(): Promise<void>;
}

export function serveResp(options: RespOptions): RespServer {
  return new RespListener(options);
}

const readWrite: Session = { readOnly: false, inTransaction: false, canWait: true };
const readOnly: Session = { readOnly: true, inTransaction: false, canWait: true };
const readWriteTransaction: Session = { readOnly: false, inTransaction: true };
const readOnlyTransaction: Session = { readOnly: true, inTransaction: true };

/** Queued replies past which a connection stops reading until its client takes them. */
const OUTPUT_BYTES_HIGH = 1024 * 1024;

const RESET = new StatusReply("RESET");
const QUEUED = new StatusReply("QUEUED");
const noAuth = () => new ErrorReply("NOAUTH Authentication required.");
const wrongPass = () => new ErrorReply("WRONGPASS invalid username-password pair or user is disabled.");

class RespListener implements RespServer {
  readonly connections = new Set<RespConnection>();
  stopping = false;
  private nextId = 1;
  private readonly listener: TCPSocketListener<RespConnection>;
  private stopped: Promise<void> | undefined;
  private resolveStopped: (() => void) | undefined;
  /** Connections whose ready replies go out at the end of this event-loop turn. */
  readonly flushAtTurnEnd = new TurnEndQueue<RespConnection>((connection) => connection.flush());

  constructor(readonly options: RespOptions) {
    const server = this;
    this.listener = Bun.listen<RespConnection>({
      hostname: options.hostname,
      port: options.port,
      // A client may half-close after its commands (`nc -N`) and still wait for the replies.
      allowHalfOpen: true,
      socket: {
        binaryType: "buffer",
        open(socket) {
          socket.data = new RespConnection(socket, server, server.nextId++);
        },
        data(socket, chunk) {
          socket.data.onData(chunk as Buffer);
        },
        drain(socket) {
          socket.data.onDrain();
        },
        end(socket) {
          socket.data.onPeerEnd();
        },
        close(socket) {
          socket.data?.onClose();
        },
        error(_socket, error) {
          server.options.log?.log("warn", "resp_socket_error", { error: String(error) });
        },
      },
    });
  }

  get port(): number {
    return this.listener.port;
  }

  stop(): Promise<void> {
    if (this.stopped === undefined) {
      this.stopping = true;
      this.listener.stop(false);
      this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
      for (const connection of this.connections) connection.stop();
      this.connectionClosed();
    }
    return this.stopped;
  }

  connectionClosed(): void {
    if (this.stopping && this.connections.size === 0) this.resolveStopped?.();
  }
}

/**
 * The replies of the commands read from one piece of input, in order, with what they wait for.
 * `writers` are the indexes of the replies whose commands wrote: they wait for `commit`, and a
 * failed commit replaces them with its error.
 */
interface Output {
  replies: string[];
  writers: number[];
  commit: Promise<void> | undefined;
  /** The commit settled (or there was none): the replies may go out. */
  ready: boolean;
}

/** What a MULTI has queued so far. */
interface Transaction {
  commands: string[][];
  specs: CommandSpec[];
  /** A queued command was refused (unknown, wrong arity, not allowed): EXEC discards all. */
  failed: boolean;
}

type ConnectionCommand = (connection: RespConnection, argv: string[]) => Reply | Promise<Reply>;

class RespConnection {
  private readonly reader: RespReader;
  access: Access | undefined;
  transaction: Transaction | undefined;
  name: string | undefined;
  private readonly outputs: Output[] = [];
  private isFlushQueued = false;
  /** A command's reply is still coming (a script runs, or waits for one): nothing later runs yet. */
  private waiting = false;
  /** QUIT, a protocol error or the server stopping: no more commands are read; closes once the replies are out. */
  private isClosing = false;
  private isClosed = false;
  private isPaused = false;
  /** What the socket did not take yet, in order. */
  private backlog: Uint8Array[] = [];
  private backlogBytes = 0;

  constructor(
    readonly socket: Socket<RespConnection>,
    readonly server: RespListener,
    readonly id: number,
  ) {
    this.reader = new RespReader(server.options.maxRequestBytes);
    server.connections.add(this);
    if (server.stopping) this.stop();
  }

  get session(): Session {
    if (this.transaction !== undefined) return this.access!.readOnly ? readOnlyTransaction : readWriteTransaction;
    return this.access!.readOnly ? readOnly : readWrite;
  }

  onData(chunk: Buffer): void {
    if (this.isClosing) return;
    this.reader.push(chunk);
    this.runCommands();
  }

  onDrain(): void {
    while (this.backlog.length > 0) {
      const bytes = this.backlog[0]!;
      const written = this.socket.write(bytes);
      if (written < bytes.byteLength) {
        this.backlog[0] = bytes.subarray(Math.max(written, 0));
        this.backlogBytes -= Math.max(written, 0);
        return;
      }
      this.backlog.shift();
      this.backlogBytes -= bytes.byteLength;
    }
    this.resume();
    this.endIfDone();
  }

  /** The client sent its last byte: the commands already read are answered, then the connection ends. */
  onPeerEnd(): void {
    this.isClosing = true;
    this.endIfDone();
  }

  onClose(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.isClosing = true;
    this.server.connections.delete(this);
    this.server.connectionClosed();
  }

  /**
   * The server is stopping: commands already read are answered, then the connection closes. A
   * client not reading its replies is cut, or it would hold the shutdown.
   */
  stop(): void {
    this.isClosing = true;
    if (this.backlog.length > 0) this.socket.terminate();
    else this.endIfDone();
  }

  /** Runs the whole commands read so far, until one has to wait; their replies form one Output. */
  private runCommands(): void {
    if (this.waiting) return;
    const output: Output = { replies: [], writers: [], commit: undefined, ready: false };
    while (!this.isClosing) {
      let argv: string[] | undefined;
      try {
        argv = this.reader.next(this.access !== undefined);
      } catch (error) {
        if (!(error instanceof RespProtocolError)) throw error;
        output.replies.push(encodeResp(new ErrorReply(error.message)));
        this.server.options.log?.log("debug", "resp_protocol_error", { error: error.message });
        this.isClosing = true;
        break;
      }
      if (argv === undefined) break;
      const database = this.access?.database;
      const lsnBefore = database?.lsn;
      const reply = this.execute(argv);
      const index = output.replies.length;
      if (reply instanceof Promise) {
        this.waiting = true;
        output.replies.push("");
        reply.then(
          (settled) => this.afterWait(output, index, settled, lsnBefore),
          (error) => this.afterWait(output, index, this.server.options.dispatcher.errorReply(error, argv), lsnBefore),
        );
        break;
      }
      output.replies.push(encodeResp(reply));
      if (database !== undefined && database.lsn !== lsnBefore) this.wrote(output, index);
    }
    if (output.replies.length > 0) this.queue(output);
    // Input waiting behind a slow command is not read further until it is done.
    if (this.waiting && this.reader.buffered > OUTPUT_BYTES_HIGH) this.pause();
    else if (this.isClosing) this.endIfDone();
  }

  /** A waiting command's reply came: it joins its Output's place, and the commands after it run. */
  private afterWait(output: Output, index: number, reply: Reply, lsnBefore: number | undefined): void {
    output.replies[index] = encodeResp(reply);
    // Other connections ran meanwhile, so a changed LSN may not be this command's: waiting for
    // the commit then is only later, never wrong.
    const database = this.access?.database;
    if (database !== undefined && database.lsn !== lsnBefore) this.wrote(output, index);
    this.waiting = false;
    this.settleLater(output);
    this.resume();
    if (!this.isClosed) this.runCommands();
  }

  /** The command at `index` wrote: its reply waits for the commit that stores it. */
  private wrote(output: Output, index: number): void {
    output.writers.push(index);
    // A command that waited may be stored by a later commit than the Output's earlier commands.
    const commit = this.access!.database.pendingCommit(true);
    if (commit === undefined || commit === output.commit) return;
    output.commit = output.commit === undefined ? commit : Promise.all([output.commit, commit]).then(() => undefined);
  }

  /** Queues `output`; unless its last command is still waiting, it goes out once committed. */
  private queue(output: Output): void {
    this.outputs.push(output);
    if (!this.waiting) this.settleLater(output);
  }

  /** Marks `output` ready once its commit settles, then writes what is ready at the turn's end. */
  private settleLater(output: Output): void {
    const commit = output.commit;
    if (commit === undefined) {
      output.ready = true;
      this.flushAtTurnEnd();
      return;
    }
    commit.then(
      () => {
        output.ready = true;
        this.flush();
      },
      (error) => {
        const failed = encodeResp(this.server.options.dispatcher.errorReply(error, []));
        for (const index of output.writers) output.replies[index] = failed;
        output.ready = true;
        this.flush();
      },
    );
  }

  private flushAtTurnEnd(): void {
    if (this.isFlushQueued) return;
    this.isFlushQueued = true;
    this.server.flushAtTurnEnd.add(this);
  }

  /** Writes the ready Outputs at the head of the queue, in order. */
  flush(): void {
    this.isFlushQueued = false;
    let text = "";
    const outputs = this.outputs;
    let done = 0;
    while (done < outputs.length && outputs[done]!.ready) text += outputs[done++]!.replies.join("");
    if (done === 0) return;
    outputs.splice(0, done);
    this.write(text);
    this.endIfDone();
  }

  private write(text: string): void {
    if (this.isClosed || text === "") return;
    const bytes = Buffer.from(text, "latin1");
    if (this.backlog.length > 0) {
      this.backlog.push(bytes);
      this.backlogBytes += bytes.byteLength;
    } else {
      const written = this.socket.write(bytes);
      if (written < bytes.byteLength) {
        const rest = bytes.subarray(Math.max(written, 0));
        this.backlog.push(rest);
        this.backlogBytes += rest.byteLength;
      }
    }
    // A client that sends without reading its replies is read no further until it catches up.
    if (this.backlogBytes > OUTPUT_BYTES_HIGH) this.pause();
  }

  /** Ends the connection once it is closing and every reply is out. */
  private endIfDone(): void {
    if (!this.isClosing || this.isClosed || this.waiting || this.outputs.length > 0 || this.backlog.length > 0) return;
    this.socket.end();
  }

  private pause(): void {
    if (this.isPaused) return;
    this.isPaused = true;
    (this.socket as unknown as PausableSocket).pause();
  }

  private resume(): void {
    if (!this.isPaused || this.waiting || this.backlogBytes > OUTPUT_BYTES_HIGH) return;
    this.isPaused = false;
    (this.socket as unknown as PausableSocket).resume();
  }

  /** One command: the connection's own, queued in a MULTI, or run by the engine. */
  private execute(argv: string[]): Reply | Promise<Reply> {
    const own = connectionCommand(argv[0]!);
    if (own !== undefined) {
      if (this.transaction !== undefined && !TRANSACTION_CONTROL.has(own)) {
        this.transaction.failed = true;
        return new ErrorReply(`ERR Command not allowed inside a transaction: '${argv[0]!.toLowerCase()}'`);
      }
      if (this.access === undefined && !WITHOUT_AUTH.has(own)) return noAuth();
      try {
        return own(this, argv);
      } catch (error) {
        return this.server.options.dispatcher.errorReply(error, argv);
      }
    }
    if (this.access === undefined) return noAuth();
    const { dispatcher } = this.server.options;
    if (this.transaction !== undefined) {
      try {
        const spec = dispatcher.resolve(argv, this.session);
        this.transaction.commands.push(argv);
        this.transaction.specs.push(spec);
        return QUEUED;
      } catch (error) {
        this.transaction.failed = true;
        return dispatcher.errorReply(error, argv);
      }
    }
    return dispatchWhenFree(dispatcher, this.access.database, argv, this.session);
  }

  /** EXEC: the queued commands in one go, once no script holds the database. */
  exec(transaction: Transaction): Reply | Promise<Reply> {
    const session = this.session;
    this.transaction = undefined;
    if (transaction.failed) throw errors.execAbort();
    const run = () => runMonitoredTransaction(this.server.options.dispatcher, this.access!.database, transaction.commands, transaction.specs, session);
    const free = whenFree(this.access!.database);
    return free === undefined ? run() : free.then(run);
  }

  quit(): void {
    this.isClosing = true;
  }
}

// --- The commands that belong to the connection, not the engine.

function auth(connection: RespConnection, argv: string[]): Reply {
  if (argv.length < 2) throw errors.wrongArity("auth");
  if (argv.length > 3) throw errors.syntax();
  const access = authenticate(connection, argv.length === 3 ? argv[1]! : "default", argv[argv.length - 1]!);
  if (access === undefined) return wrongPass();
  connection.access = access;
  return OK;
}

function authenticate(connection: RespConnection, user: string, password: string): Access | undefined {
  // One user, Redis's "default": the token alone says which database and what access.
  if (user !== "default") return undefined;
  return connection.server.options.authenticate(password);
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
function hello(connection: RespConnection, argv: string[]): Reply {
  if (argv.length >= 2) {
    const version = parseInt64(argv[1]!);
    if (version === null) throw new RedisError("ERR Protocol version is not an integer or out of range");
    // RESP3 would answer maps, sets and doubles as their own types; the engine's replies are RESP2's.
    if (version !== 2n) throw new RedisError("NOPROTO unsupported protocol version");
  }
  let access = connection.access;
  let name = connection.name;
  for (let i = 2; i < argv.length; i++) {
    const option = argv[i]!.toUpperCase();
    if (option === "AUTH" && i + 2 < argv.length) {
      access = authenticate(connection, argv[i + 1]!, argv[i + 2]!);
      if (access === undefined) return wrongPass();
      i += 2;
    } else if (option === "SETNAME" && i + 1 < argv.length) {
      name = checkedClientName(argv[i + 1]!);
      i += 1;
    } else {
      throw new RedisError(`ERR Syntax error in HELLO option '${argv[i]!}'`);
    }
  }
  if (access === undefined) {
    return new ErrorReply(
      "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
    );
  }
  connection.access = access;
  connection.name = name;
  return ["server", "redis", "version", REDIS_COMPATIBLE_VERSION, "proto", 2, "id", connection.id, "mode", "standalone", "role", "master", "modules", []];
}

function select(_connection: RespConnection, argv: string[]): Reply {
  if (argv.length !== 2) throw errors.wrongArity("select");
  // One keyspace per token: database 0 is the only one, as on Upstash (and as COPY ... DB refuses other databases).
  if (int64OrThrow(argv[1]!) !== 0n) throw errors.dbIndexOutOfRange();
  return OK;
}

function quit(connection: RespConnection): Reply {
  connection.quit();
  return OK;
}

function reset(connection: RespConnection): Reply {
  connection.transaction = undefined;
  connection.name = undefined;
  connection.access = undefined;
  return RESET;
}

// MONITOR shows a transaction as Redis does: MULTI and DISCARD as they come (refused or not),
// the queued commands as EXEC runs them, then EXEC.
function multi(connection: RespConnection, argv: string[]): Reply {
  if (argv.length !== 1) throw errors.wrongArity("multi");
  showToMonitors(connection.access!.database, argv);
  if (connection.transaction !== undefined) throw errors.nestedMulti();
  connection.transaction = { commands: [], specs: [], failed: false };
  return OK;
}

function exec(connection: RespConnection, argv: string[]): Reply | Promise<Reply> {
  if (argv.length !== 1) throw errors.wrongArity("exec");
  const shown = () => showToMonitors(connection.access!.database, argv);
  let reply: Reply | Promise<Reply>;
  try {
    if (connection.transaction === undefined) throw new RedisError("ERR EXEC without MULTI");
    reply = connection.exec(connection.transaction);
  } catch (error) {
    shown();
    throw error;
  }
  if (reply instanceof Promise) return reply.finally(shown);
  shown();
  return reply;
}

function discard(connection: RespConnection, argv: string[]): Reply {
  if (argv.length !== 1) throw errors.wrongArity("discard");
  showToMonitors(connection.access!.database, argv);
  if (connection.transaction === undefined) throw new RedisError("ERR DISCARD without MULTI");
  connection.transaction = undefined;
  return OK;
}

// CLIENT ID | SETNAME | GETNAME here; the engine answers CLIENT SETINFO and HELP.
function client(connection: RespConnection, argv: string[]): Reply | Promise<Reply> {
  const sub = argv.length >= 2 ? argv[1]!.toUpperCase() : "";
  if (sub === "ID" && argv.length === 2) return connection.id;
  if (sub === "GETNAME" && argv.length === 2) return connection.name ?? null;
  if (sub === "SETNAME" && argv.length === 3) {
    const name = checkedClientName(argv[2]!);
    connection.name = name === "" ? undefined : name;
    return OK;
  }
  if (sub === "ID" || sub === "GETNAME" || sub === "SETNAME") throw errors.wrongArity(`client|${sub.toLowerCase()}`);
  const { dispatcher } = connection.server.options;
  return dispatchWhenFree(dispatcher, connection.access!.database, argv, connection.session);
}

function checkedClientName(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 33 || code > 126) throw new RedisError("ERR Client names cannot contain spaces, newlines or special characters.");
  }
  return name;
}

function notOverResp(name: string): ConnectionCommand {
  return () => new ErrorReply(`ERR ${name} is not available over RESP here; use the REST ${name === "MONITOR" ? "/monitor" : "/subscribe and /psubscribe"} streams`);
}

const unwatch: ConnectionCommand = () => OK;
const watch: ConnectionCommand = (connection) =>
  new ErrorReply(connection.transaction !== undefined ? "ERR WATCH inside MULTI is not allowed" : "ERR WATCH is not supported; use MULTI/EXEC without it, or a Lua script");

const CONNECTION_COMMANDS = new Map<string, ConnectionCommand>([
  ["auth", auth],
  ["hello", hello],
  ["select", select],
  ["quit", quit],
  ["reset", reset],
  ["multi", multi],
  ["exec", exec],
  ["discard", discard],
  ["client", client],
  ["watch", watch],
  ["unwatch", unwatch],
  ["subscribe", notOverResp("SUBSCRIBE")],
  ["psubscribe", notOverResp("PSUBSCRIBE")],
  ["ssubscribe", notOverResp("SSUBSCRIBE")],
  ["monitor", notOverResp("MONITOR")],
]);
/** Run inside MULTI instead of being queued, as Redis does. */
const TRANSACTION_CONTROL = new Set<ConnectionCommand>([multi, exec, discard, quit, reset, watch]);
/** Answered before AUTH. */
const WITHOUT_AUTH = new Set<ConnectionCommand>([auth, hello, quit, reset]);
const SPELLINGS = new Map<string, ConnectionCommand>();
for (const [name, command] of CONNECTION_COMMANDS) {
  SPELLINGS.set(name, command);
  SPELLINGS.set(name.toUpperCase(), command);
}
const LONGEST_NAME = Math.max(...[...CONNECTION_COMMANDS.keys()].map((name) => name.length));
/** The last name found to be the engine's: a pipeline mostly repeats one command. */
let lastEngineSpelling = "";

/** The connection's own command by that name in any letter case; undefined for the engine's. */
function connectionCommand(name: string): ConnectionCommand | undefined {
  const found = SPELLINGS.get(name);
  if (found !== undefined || name.length > LONGEST_NAME || name === lastEngineSpelling) return found;
  const command = CONNECTION_COMMANDS.get(name.toLowerCase());
  if (command === undefined) lastEngineSpelling = name;
  return command;
}
