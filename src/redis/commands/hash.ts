// Hash commands (Redis t_hash.c), including per-field expiry (Redis 7.4+) and HGETDEL/HGETEX/HSETEX (8.0).

import type { CommandSpec } from "../engine/command.ts";

export const hashCommands: CommandSpec[] = [];
