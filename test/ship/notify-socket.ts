// A unix datagram socket that plays systemd's side of sd_notify(3) in tests: bound at a path or
// an abstract name (the NOTIFY_SOCKET value to hand to the server), it collects every datagram.
// Bun has no unix datagram sockets, so it binds through libc (bun:ffi) and receives in a worker.
// Its sockaddr encoding is written here independently of src/platform/systemd.ts on purpose.

import { dlopen, FFIType, ptr } from "bun:ffi";
import { rmSync } from "node:fs";

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const SOCKADDR_UN_BYTES = 110;

const libc = dlopen("libc.so.6", {
  socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  bind: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  close: { args: [FFIType.i32], returns: FFIType.i32 },
}).symbols;

export class NotifySocket implements AsyncDisposable {
  readonly messages: string[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly stopFlag = new Int32Array(new SharedArrayBuffer(4));
  private readonly stopped: Promise<void>;

  private constructor(
    /** The NOTIFY_SOCKET value: the path, or "@name" for an abstract socket. */
    readonly address: string,
    private readonly fd: number,
    private readonly worker: Worker,
  ) {
    this.stopped = new Promise((resolve) => {
      worker.onmessage = (event: MessageEvent<string | null>) => {
        if (event.data === null) return resolve();
        this.messages.push(event.data);
        for (const wake of this.waiters) wake();
      };
    });
    worker.postMessage({ fd, stop: this.stopFlag.buffer });
  }

  /** Binds `address`: an absolute path, or "@name" for the abstract namespace. */
  static bind(address: string): NotifySocket {
    const fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw new Error("socket(AF_UNIX, SOCK_DGRAM) failed");
    const sockaddr = new Uint8Array(SOCKADDR_UN_BYTES);
    sockaddr[0] = AF_UNIX; // sa_family, little-endian u16
    const name = new TextEncoder().encode(address.startsWith("@") ? address.slice(1) : address);
    let length = SOCKADDR_UN_BYTES;
    if (address.startsWith("@")) {
      sockaddr.set(name, 3); // sun_path[0] = NUL marks the abstract namespace
      length = 3 + name.length;
    } else {
      sockaddr.set(name, 2);
    }
    if (libc.bind(fd, ptr(sockaddr), length) !== 0) {
      libc.close(fd);
      throw new Error(`bind(${address}) failed`);
    }
    return new NotifySocket(address, fd, new Worker(new URL("./notify-receiver-worker.ts", import.meta.url)));
  }

  /** Resolves with the first datagram (already received or to come) that `matches`. */
  waitFor(matches: (message: string) => boolean, timeoutMs = 15_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.messages.find(matches);
        if (found === undefined) return false;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no matching notification within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`));
      }, timeoutMs);
      if (!check()) this.waiters.add(check);
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    Atomics.store(this.stopFlag, 0, 1);
    await this.stopped;
    this.worker.terminate();
    libc.close(this.fd);
    if (!this.address.startsWith("@")) rmSync(this.address, { force: true });
  }
}
