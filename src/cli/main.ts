#!/usr/bin/env bun
// The downstash command line: `serve` (the default), `env`, `healthcheck`, `version`, `help`.
// Options come from config.ts; this file only routes subcommands and owns the process: its
// signals, its exit codes (0 done, 1 failure, 2 bad configuration) and its stdout/stderr split
// (stdout carries JSON log lines only; the human-readable .env block goes to stderr).

import { ConfigError, helpText, loadConfig, parseFlags, type Config } from "../config.ts";
import { startNode, type RunningNode } from "../node.ts";
import { kafkaCommand } from "./kafka.ts";
import { CredentialsError, envBlock, readStoredCredentials } from "../platform/credentials.ts";
import { createSystemdNotifier, type SystemdNotifier } from "../platform/systemd.ts";
import { StorageError } from "../storage/sqlite.ts";
import { createLogger, isJournalStream, type Logger, type LogLevel } from "../util/log.ts";
import { COMMIT, VERSION } from "../version.ts";

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_BAD_CONFIG = 2;
const HEALTHCHECK_TIMEOUT_MS = 3000;

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h") || argv[0] === "help") {
    console.log(helpText());
    return EXIT_OK;
  }
  if (argv[0] === "--version") argv = ["version", ...argv.slice(1)];
  // Kafka administration has flags of its own (--partitions, --config name=value): it parses them.
  if (argv[0] === "kafka") return kafkaCommand(argv.slice(1));
  const flags = parseFlags(argv);
  const [command = "serve", ...extra] = flags.positionals;
  if (extra.length > 0) throw new ConfigError(`unexpected argument ${extra[0]} (see --help)`);
  switch (command) {
    case "version":
      console.log(`downstash ${VERSION} (${COMMIT})`);
      return EXIT_OK;
    case "serve":
      return serve(await loadConfig(flags));
    case "env":
      return printEnv(await loadConfig(flags));
    case "healthcheck":
      return healthcheck(await loadConfig(flags));
    default:
      throw new ConfigError(`unknown command ${command} (see --help)`);
  }
}

async function serve(config: Config): Promise<number> {
  // Journal prefixes only when stdout really is the journal stream (systemd.exec(5)).
  const journald = config.journald && isJournalStream(config.systemd?.journalStream);
  const baseLog = createLogger({ journald });
  const log = atLevel(baseLog, config.logLevel);
  let node: RunningNode;
  try {
    node = await startNode(config, { log });
  } catch (error) {
    const { code, syscall } = error as NodeJS.ErrnoException;
    if (syscall === "listen") throw new StartError(`cannot listen on ${config.host}:${config.port} (${code})`);
    // The data dir (credentials) is the other thing a start touches on disk.
    if (typeof code === "string" && (error as NodeJS.ErrnoException).path !== undefined) {
      throw new StartError(`cannot use data dir ${config.dataDir}: ${code} on ${(error as NodeJS.ErrnoException).path}`);
    }
    throw error;
  }
  // Handlers go in before the listening line: whoever waits for that line may signal at once.
  const notifier = createSystemdNotifier(config.systemd, log);
  const stopped = waitForShutdown(node, config, log, notifier);
  // Whatever the level, the one line that supervisors and tests wait for is always written.
  baseLog.log("info", "listening", node.respPort === undefined ? { url: node.url } : { url: node.url, respPort: node.respPort });
  notifier.ready(`serving on ${node.url}`);
  if (node.generatedCredentials && journald) {
    // The journal keeps what it is given, readable by its readers: tokens stay out of it.
    process.stderr.write(`First start: credentials were generated in ${config.dataDir}; print them with: downstash env --data-dir ${config.dataDir}\n`);
  } else if (node.generatedCredentials) {
    // Printed once, on the start that created the credentials; `downstash env` prints it again.
    process.stderr.write(
      `\nFirst start: credentials were generated in ${config.dataDir}. Paste into your app's .env:\n\n` +
        `${envBlock(config.publicUrl ?? localUrl(config, node.url), node.credentials)}\n\n`,
    );
  }
  return stopped;
}

/**
 * Resolves with the exit code once a signal has stopped the node. The first SIGTERM/SIGINT stops
 * accepting and lets in-flight requests finish (up to shutdownTimeoutMs); a second one, or the
 * deadline, exits at once with 1, because requests were cut off.
 */
function waitForShutdown(node: RunningNode, config: Config, log: Logger, notifier: SystemdNotifier): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    // Cut short (second signal, deadline): still commit what was journaled before exiting.
    const finalCommit = () => {
      if (!node.closeStorage()) log.log("error", "final_commit_failed", {});
    };
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.log("warn", "shutdown_forced", { signal });
        finalCommit();
        resolve(EXIT_FAILURE);
        return;
      }
      stopping = true;
      notifier.stopping(`stopping on ${signal}`);
      log.log("info", "shutting_down", { signal, timeoutMs: config.shutdownTimeoutMs });
      const startedAtMs = performance.now();
      const deadline = setTimeout(() => {
        log.log("warn", "shutdown_timed_out", { timeoutMs: config.shutdownTimeoutMs });
        finalCommit();
        resolve(EXIT_FAILURE);
      }, config.shutdownTimeoutMs);
      node.stop().then(
        () => {
          clearTimeout(deadline);
          log.log("info", "stopped", { durationMs: Math.round(performance.now() - startedAtMs) });
          resolve(EXIT_OK);
        },
        (error) => {
          clearTimeout(deadline);
          log.log("error", "shutdown_failed", { error: String((error as Error)?.stack ?? error) });
          resolve(EXIT_FAILURE);
        },
      );
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}

const levelRank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Drops events below the configured level. */
function atLevel(log: Logger, minimum: LogLevel): Logger {
  return {
    log(level, event, fields) {
      if (levelRank[level] >= levelRank[minimum]) log.log(level, event, fields);
    },
  };
}

async function printEnv(config: Config): Promise<number> {
  const stored = await readStoredCredentials(config.dataDir);
  const token = config.token ?? stored?.token;
  const readonlyToken = config.readonlyToken ?? stored?.readonlyToken;
  const adminToken = config.adminToken ?? stored?.adminToken;
  if (token === undefined || readonlyToken === undefined || adminToken === undefined) {
    throw new ConfigError(`no credentials in ${config.dataDir} yet: start the server once, or pass the tokens`);
  }
  // Every stored credential (QStash, Kafka too), with values given in the configuration winning.
  const given = Object.fromEntries(Object.keys(stored ?? {}).flatMap((name) => {
    const value = (config as unknown as Record<string, unknown>)[name];
    return typeof value === "string" ? [[name, value]] : [];
  }));
  console.log(envBlock(config.publicUrl ?? localUrl(config), { ...stored, ...given, token, readonlyToken, adminToken }));
  return EXIT_OK;
}

async function healthcheck(config: Config): Promise<number> {
  try {
    const response = await fetch(`${localUrl(config)}/healthz`, { signal: AbortSignal.timeout(HEALTHCHECK_TIMEOUT_MS) });
    return response.ok ? EXIT_OK : EXIT_FAILURE;
  } catch {
    return EXIT_FAILURE;
  }
}

/**
 * The URL a client on this machine uses: a wildcard bind address is not one to connect to, so it
 * becomes loopback. `listeningUrl` supplies the real port when port 0 was asked for.
 */
function localUrl(config: Config, listeningUrl?: string): string {
  const port = listeningUrl === undefined ? config.port : Number(/:(\d+)$/.exec(listeningUrl)![1]);
  const host = config.host === "0.0.0.0" ? "127.0.0.1" : config.host === "::" ? "::1" : config.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** The server could not start for a reason outside the configuration's syntax (port taken). */
class StartError extends Error {}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof ConfigError || error instanceof CredentialsError) {
      console.error(`downstash: ${error.message}`);
      process.exit(EXIT_BAD_CONFIG);
    }
    if (error instanceof StartError || error instanceof StorageError) {
      console.error(`downstash: ${error.message}`);
      process.exit(EXIT_FAILURE);
    }
    console.error(error);
    process.exit(EXIT_FAILURE);
  },
);
