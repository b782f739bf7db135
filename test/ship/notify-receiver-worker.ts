// Worker side of notify-socket.ts: blocks in recv(2) on the bound datagram socket (in short
// SO_RCVTIMEO slices, so a stop request is seen promptly) and posts each datagram as text.

import { dlopen, FFIType, ptr } from "bun:ffi";

declare const self: Worker;

const SOL_SOCKET = 1;
const SO_RCVTIMEO = 20;
const RECEIVE_SLICE_USEC = 50_000;

const libc = dlopen("libc.so.6", {
  recv: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i64 },
  setsockopt: { args: [FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
}).symbols;

self.onmessage = (event: MessageEvent<{ fd: number; stop: SharedArrayBuffer }>) => {
  const { fd, stop } = event.data;
  const stopFlag = new Int32Array(stop);
  const timeval = new BigInt64Array([0n, BigInt(RECEIVE_SLICE_USEC)]);
  if (libc.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, ptr(timeval), 16) !== 0) throw new Error("setsockopt(SO_RCVTIMEO) failed");
  const buffer = new Uint8Array(4096);
  const decoder = new TextDecoder();
  while (Atomics.load(stopFlag, 0) === 0) {
    const received = Number(libc.recv(fd, ptr(buffer), buffer.length, 0));
    if (received > 0) self.postMessage(decoder.decode(buffer.subarray(0, received)));
  }
  self.postMessage(null);
};
