import { taskRecordSchema } from '@offload/contracts';

const recordIdSchema = taskRecordSchema.shape.id;

/** Throws unless `id` is a task id (a UUID), so an id never names another file. */
export function assertRecordId(id: string): string {
  if (!recordIdSchema.safeParse(id).success) {
    throw new RangeError(`not a task id: ${JSON.stringify(id)}`);
  }
  return id;
}
