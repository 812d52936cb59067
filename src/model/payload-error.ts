/** Thrown by the normalizers when an answer is JSON but not the shape the PVS sends. */
export class PayloadError extends Error {
  readonly code = "PVS_BAD_RESPONSE";
  constructor(message: string) {
    super(message);
    this.name = "PayloadError";
  }
}
