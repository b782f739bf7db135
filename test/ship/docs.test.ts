// Proves the README and deploy docs stay true to the code a newcomer runs: the options table is the
// one scripts/gen-docs.ts generates from src/config.ts, the .env block names are the ones the server
// prints, every relative link resolves, and every `downstash` and install.sh command line they show
// uses a real subcommand and real flags (so copy-paste works the first time).

import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseFlags } from "../../src/config.ts";
import { envBlock } from "../../src/platform/credentials.ts";
import { README_PATH, renderReadme } from "../../scripts/gen-docs.ts";

const repoRoot = join(import.meta.dir, "..", "..");
const documents = ["README.md", "docs/deploy-fly.md", "docs/deploy-systemd.md"];
const text = (path: string) => readFileSync(join(repoRoot, path), "utf8");
const codeLines = (markdown: string) =>
  [...markdown.matchAll(/```\w*\n([\s\S]*?)```/g)].flatMap((block) => block[1]!.split("\n")).concat([...markdown.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!));

describe("README", () => {
  test("its options table is what scripts/gen-docs.ts generates (run it after changing an option)", () => {
    const readme = readFileSync(README_PATH, "utf8");
    expect(renderReadme(readme)).toBe(readme);
  });

  test("has a quick start for each of the three ways, linking the deploy docs", () => {
    const readme = text("README.md");
    for (const heading of ["## Quick start", "### 1. A downloaded binary", "### 2. fly.io", "### 3. A systemd service", "## Configuration", "## Tests", "## Benchmarks"]) {
      expect(readme).toContain(`\n${heading}\n`);
    }
    expect(readme).toContain("npm install && npm start");
    expect(readme).toContain("(docs/deploy-fly.md)");
    expect(readme).toContain("(docs/deploy-systemd.md)");
  });

  test("its .env block names exactly the variables the server prints, in order", () => {
    const readme = text("README.md");
    const block = /### The `\.env` block[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    const printed = envBlock("http://127.0.0.1:8079", {
      token: "t",
      readonlyToken: "r",
      adminToken: "a",
      qstashToken: "q",
      qstashCurrentSigningKey: "c",
      qstashNextSigningKey: "n",
      kafkaUsername: "u",
      kafkaPassword: "p",
    });
    const names = (lines: string) => lines.trim().split("\n").map((line) => line.split("=")[0]);
    expect(names(block)).toEqual(names(printed));
  });
});

describe("docs", () => {
  test("every relative link resolves to a file in the repository", () => {
    for (const document of documents) {
      for (const [, target] of text(document).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const resolved = join(repoRoot, dirname(document), target!);
        expect(`${document} → ${target}: ${existsSync(resolved)}`).toBe(`${document} → ${target}: true`);
      }
    }
  });

  test("every downstash command line shown uses a real subcommand and real flags", () => {
    const subcommands = new Set(["serve", "env", "healthcheck", "version", "help"]);
    const shown: string[] = [];
    for (const document of documents) {
      for (const line of codeLines(text(document))) {
        // Commands are separated by shell operators and quotes (`fly ssh console -C "downstash env"`).
        for (const segment of line.replace(/\s#.*$/, "").split(/&&|\|\||[;|"'`]|\$\(/)) {
          const words = segment.trim().split(/\s+/).filter((word) => word !== "" && word !== "sudo");
          if (words[0] !== "downstash" && !words[0]?.endsWith("/downstash")) continue;
          const argv = words.slice(1);
          shown.push(`${document}: downstash ${argv.join(" ")}`);
          if (argv[0] === "--help" || argv[0] === "--version") continue; // answered before option parsing
          if (argv[0] === "kafka") continue; // its own grammar, exercised by test/kafka/cli.test.ts
          const flags = parseFlags(argv);
          expect(`${document}: ${line}: ${flags.positionals.length <= 1 && (flags.positionals[0] === undefined || subcommands.has(flags.positionals[0]))}`).toBe(
            `${document}: ${line}: true`,
          );
        }
      }
    }
    expect(shown.length).toBeGreaterThanOrEqual(8);
  });

  test("install.sh flags shown in the docs are ones the script accepts", () => {
    const script = text("scripts/install.sh");
    const accepted = new Set([...script.matchAll(/^\s+(--[\w-]+)\)/gm)].map((m) => m[1]!));
    expect([...accepted].sort()).toEqual(["--bin-dir", "--from", "--print-target", "--systemd", "--target", "--version"]);
    for (const document of documents) {
      for (const line of codeLines(text(document)).filter((l) => l.includes("install.sh"))) {
        const flags = line.slice(line.indexOf("install.sh")).match(/--[\w-]+/g) ?? [];
        for (const flag of flags) expect(`${line}: ${flag} ${accepted.has(flag)}`).toBe(`${line}: ${flag} true`);
      }
    }
  });

  test("the fly walkthrough names the volume and paths fly.toml uses", () => {
    const fly = Bun.TOML.parse(text("fly.toml")) as { mounts: { source: string; destination: string }[] };
    const walkthrough = text("docs/deploy-fly.md");
    expect(walkthrough).toContain(`fly volumes create ${fly.mounts[0]!.source} `);
    expect(walkthrough).toContain(`--data-dir ${fly.mounts[0]!.destination} `);
    expect(text("README.md")).toContain(`fly volumes create ${fly.mounts[0]!.source} `);
  });
});
