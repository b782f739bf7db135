// Version and commit, embedded at build time by scripts/build.ts (`--define`); from source, the
// commit is unknown.

import pkg from "../package.json" with { type: "json" };

declare const DOWNSTASH_BUILD_COMMIT: string | undefined;

export const VERSION: string = pkg.version;
export const COMMIT: string = typeof DOWNSTASH_BUILD_COMMIT === "string" ? DOWNSTASH_BUILD_COMMIT : "source";
