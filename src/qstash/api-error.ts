// The errors the QStash API answers with: an HTTP status and a message, sent as
// `{"error":"<message>"}` (the OpenAPI Error schema), which the SDK surfaces as QstashError.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** 400: a bad header, body, name or parameter. */
export class BadRequestError extends ApiError {
  constructor(message: string) {
    super(400, message);
  }
}

export const notFound = (message: string) => new ApiError(404, message);
export const payloadTooLarge = (limitBytes: number) => new ApiError(413, `message size exceeds the limit of ${limitBytes} bytes`);
