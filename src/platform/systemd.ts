// systemd service integration (Type=notify): sd_notify(3) messages — READY=1 once the listeners
// are up, STOPPING=1 on SIGTERM, STATUS= lines, WATCHDOG=1 keep-alives — each sent as one unix
// datagram to $NOTIFY_SOCKET. Bun's own sockets cannot send unix datagrams, so this calls libc's
// socket/sendto/close through bun:ffi (no native addon, so it works in a compiled binary). With no
// NOTIFY_SOCKET (not under systemd, or Type= is not notify) every call is a cheap no-op.

import { dlopen, FFIType, ptr } from "bun:ffi";
import type { SystemdEnvironment } from "../config.ts";
import type { Logger } from "../util/log.ts";

export interface SystemdNotifier {
  /** True when a notify socket is configured (messages are sent, not dropped). */
  readonly isActive: boolean;
  /** READY=1 with a STATUS line; starts the watchdog keep-alives when systemd asked for them. */
  ready(status: string): void;
  /** STOPPING=1 with a STATUS line; stops the watchdog keep-alives. */
  stopping(status: string): void;
  /** Sends raw `KEY=value` assignments; false when the datagram could not be sent. */
  notify(assignments: Record<string, string | number>): boolean;
}

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const MSG_NOSIGNAL = 0x4000;
// sockaddr_un: a 2-byte family and a 108-byte path (linux/un.h).
const SUN_PATH_BYTES = 108;

// glibc first; then the musl loaders' names, so the -musl build finds its libc too.
const LIBC_NAMES = ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1", "libc.so"];

type Libc = ReturnType<typeof openLibc>;

function openLibc(name: string) {
  return dlopen(name, {
    socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    sendto: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i64 },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
  }).symbols;
}

function loadLibc(): Libc | undefined {
  for (const name of LIBC_NAMES) {
    try {
      return openLibc(name);
    } catch {
      // Not this libc; try the next name.
    }
  }
  return undefined;
}

/**
 * The sockaddr_un for a NOTIFY_SOCKET value and its length: a path, or an abstract name when it
 * starts with "@" (the "@" stands for the leading NUL byte, and the name is not NUL-terminated).
 */
export function socketAddress(notifySocket: string): { address: Uint8Array; length: number } {
  const name = new TextEncoder().encode(notifySocket);
  const isAbstract = name[0] === 0x40; // "@"
  if (name.length === 0 || name.length >= SUN_PATH_BYTES + (isAbstract ? 1 : 0)) {
    throw new Error(`NOTIFY_SOCKET must name a socket of 1 to ${SUN_PATH_BYTES - 1} bytes`);
  }
  if (!isAbstract && name[0] !== 0x2f) throw new Error("NOTIFY_SOCKET must be an absolute path or start with @");
  const address = new Uint8Array(2 + SUN_PATH_BYTES);
  new DataView(address.buffer).setUint16(0, AF_UNIX, true); // sa_family_t is host-endian: LE on x64 and arm64
  address.set(name, 2);
  if (isAbstract) address[2] = 0;
  // Abstract names count exactly their bytes; paths include the terminating NUL.
  return { address, length: 2 + name.length + (isAbstract ? 0 : 1) };
}

/** The `KEY=value\n...` text of one notification. Values must not hold newlines. */
export function notificationText(assignments: Record<string, string | number>): string {
  return Object.entries(assignments)
    .map(([key, value]) => `${key}=${String(value).replace(/\n/g, " ")}`)
    .join("\n");
}

const inactive: SystemdNotifier = {
  isActive: false,
  ready() {},
  stopping() {},
  notify: () => false,
};

/**
 * A notifier for this process. `env` comes from Config.systemd; without a NOTIFY_SOCKET (or on a
 * platform other than Linux) the notifier does nothing. A failure to send is logged, not thrown:
 * systemd then times the start out, which names the real problem better than a crash would.
 */
export function createSystemdNotifier(env: SystemdEnvironment | undefined, log: Logger): SystemdNotifier {
  const notifySocket = env?.notifySocket;
  if (notifySocket === undefined || process.platform !== "linux") return inactive;
  let target: { address: Uint8Array; length: number };
  try {
    target = socketAddress(notifySocket);
  } catch (error) {
    log.log("warn", "systemd_notify_unavailable", { reason: (error as Error).message });
    return inactive;
  }
  const libc = loadLibc();
  if (libc === undefined) {
    log.log("warn", "systemd_notify_unavailable", { reason: `no libc found (${LIBC_NAMES.join(", ")})` });
    return inactive;
  }

  const send = (text: string): boolean => {
    const fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    try {
      const message = new TextEncoder().encode(text);
      const sent = libc.sendto(fd, ptr(message), message.length, MSG_NOSIGNAL, ptr(target.address), target.length);
      return Number(sent) === message.length;
    } finally {
      libc.close(fd);
    }
  };

  let watchdog: ReturnType<typeof setInterval> | undefined;
  const notify = (assignments: Record<string, string | number>) => {
    const ok = send(notificationText(assignments));
    if (!ok) log.log("warn", "systemd_notify_failed", { message: Object.keys(assignments).join(",") });
    return ok;
  };

  return {
    isActive: true,
    notify,
    ready(status) {
      notify({ READY: 1, STATUS: status, MAINPID: process.pid });
      const intervalMs = watchdogIntervalMs(env);
      if (intervalMs !== undefined && watchdog === undefined) {
        // Twice per period, as sd_watchdog_enabled(3) advises; never keeps the process alive.
        watchdog = setInterval(() => send("WATCHDOG=1"), intervalMs);
        watchdog.unref();
        log.log("debug", "systemd_watchdog_started", { intervalMs });
      }
    },
    stopping(status) {
      if (watchdog !== undefined) clearInterval(watchdog);
      watchdog = undefined;
      notify({ STOPPING: 1, STATUS: status });
    },
  };
}

/** Half of WATCHDOG_USEC in ms when the watchdog is meant for this process, else undefined. */
export function watchdogIntervalMs(env: SystemdEnvironment | undefined, pid = process.pid): number | undefined {
  if (env?.watchdogUsec === undefined) return undefined;
  if (env.watchdogPid !== undefined && env.watchdogPid !== String(pid)) return undefined;
  const usec = Number(env.watchdogUsec);
  if (!Number.isSafeInteger(usec) || usec <= 0) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}
