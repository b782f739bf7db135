// The one error type of the Kafka surface: an HTTP status and a message, rendered as Upstash's
// `{"error": "...", "status": n}` body (spec/kafka.md §2.9), whose `status` always equals the
// HTTP status. Every module throws these; routes.ts and admin.ts turn them into responses.

export class KafkaError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new KafkaError(400, message);
export const unauthorized = () => new KafkaError(401, "Unauthorized");
export const forbidden = (message: string) => new KafkaError(403, message);
export const notFound = (message: string) => new KafkaError(404, message);
export const conflict = (message: string) => new KafkaError(409, message);
export const tooLarge = (message: string) => new KafkaError(413, message);

export const topicNotFound = (topic: string) => notFound(`Topic ${topic} not found`);
export const partitionOutOfRange = (topic: string, partition: number, count: number) =>
  badRequest(`Partition ${partition} of topic ${topic} does not exist (the topic has ${count} partition${count === 1 ? "" : "s"})`);
export const instanceNotFound = () => notFound("Consumer instance not found");
