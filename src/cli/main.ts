#!/usr/bin/env bun
// The downstash command line: `serve` (the default), `env`, `healthcheck`, `version`, `--help`.
// Options come from config.ts; this file only routes subcommands and owns process signals.

import { ConfigError, helpText, loadConfig, parseFlags, type Config } from "../config.ts";
import { startNode } from "../node.ts";
import { envBlock, readStoredCredentials } from "../platform/credentials.ts";
import { createLogger } from "../util/log.ts";
import { COMMIT, VERSION } from "../version.ts";

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h") || argv[0] === "help") {
    console.log(helpText());
    return 0;
  }
  const flags = parseFlags(argv);
  const [command = "serve", ...extra] = flags.positionals;
  if (extra.length > 0) throw new ConfigError(`unexpected argument ${extra[0]} (see --help)`);
  switch (command) {
    case "version":
      console.log(`downstash ${VERSION} (${COMMIT})`);
      return 0;
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
  const log = createLogger({ journald: config.journald, quiet: config.logLevel !== "debug" });
  const node = await startNode(config, { log });
  log.log("info", "listening", { url: node.url });
  if (node.generatedCredentials) {
    // Printed once, on the start that created the credentials; `downstash env` prints it again.
    process.stderr.write(`\nFirst start: credentials were generated in ${config.dataDir}. Paste into your app's .env:\n\n${envBlock(config.publicUrl ?? node.url, node.credentials)}\n\n`);
  }
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log.log("info", "shutting_down", { signal });
      node.stop().then(resolve);
    };
    process.once("SIGTERM", () => shutdown("SIGTERM"));
    process.once("SIGINT", () => shutdown("SIGINT"));
  });
  log.log("info", "stopped");
  return 0;
}

async function printEnv(config: Config): Promise<number> {
  const stored = await readStoredCredentials(config.dataDir);
  const token = config.token ?? stored?.token;
  const readonlyToken = config.readonlyToken ?? stored?.readonlyToken;
  const adminToken = config.adminToken ?? stored?.adminToken;
  if (token === undefined || readonlyToken === undefined || adminToken === undefined) {
    throw new ConfigError(`no credentials in ${config.dataDir} yet: start the server once, or pass the tokens`);
  }
  console.log(envBlock(config.publicUrl ?? localUrl(config), { token, readonlyToken, adminToken }));
  return 0;
}

async function healthcheck(config: Config): Promise<number> {
  try {
    const response = await fetch(`${localUrl(config)}/healthz`, { signal: AbortSignal.timeout(3000) });
    return response.ok ? 0 : 1;
  } catch {
    return 1;
  }
}

function localUrl(config: Config): string {
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${config.port}`;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof ConfigError) {
      console.error(`downstash: ${error.message}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  },
);
