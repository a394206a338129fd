/**
 * JSON that keeps Dates, for what replicas share through Redis (records carry Dates; plain JSON
 * would hand them back as strings): a Date is written as `{ "$date": ms }` and read back as a Date.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, member: unknown) {
    // `member` is already the Date's toJSON() string: the holder still has the Date itself.
    const original = this[key];
    return original instanceof Date ? { $date: original.getTime() } : member;
  });
}

export function fromJson<T>(text: string): T {
  return JSON.parse(text, (_key, member: unknown) =>
    member && typeof member === 'object' && '$date' in member && Object.keys(member).length === 1
      ? new Date((member as { $date: number }).$date)
      : member,
  ) as T;
}
