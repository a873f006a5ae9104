/**
 * What a record from another device, or from a backup file, may hold, field by field: the same rules
 * as a write from the manager (lib/inputs.ts). The merge engine checks a state's shape (registers,
 * stamps, context); this checks its values, so a sync server, or whoever wrote a backup, cannot put
 * into the store anything the user could not have typed: a name that is not text, a `javascript:`
 * link, a million aliases. Every entry of a register is checked, the losers of a conflict too (the
 * manager shows them).
 */
import type { z } from 'zod';
import { z as zod } from 'zod';
import { entityInput, eventInput, noteInput } from '../inputs';

/** The `origin` register the store keeps beside the fields (which pack a record came from). */
const origin = zod.object({
  pack: zod.string().max(200).nullable(),
  packLocalId: zod.string().max(300).nullable(),
});

const SCHEMAS: Record<string, Record<string, z.ZodType>> = {
  entity: { ...entityInput.shape, origin },
  event: { ...eventInput.shape, origin },
  note: { ...noteInput.shape, origin },
};

/**
 * Why a record's values cannot be taken into the store, or null when they can. Types and fields this
 * version does not know (written by a newer one) are left alone: the store never shows them.
 */
export function valuesProblem(rec: { type: string; fields: object }): string | null {
  const schemas = Object.hasOwn(SCHEMAS, rec.type) ? SCHEMAS[rec.type]! : null;
  if (!schemas) return null;
  for (const [name, register] of Object.entries(rec.fields)) {
    if (!Object.hasOwn(schemas, name)) continue;
    for (const entry of register as { value: unknown }[]) {
      const checked = schemas[name]!.safeParse(entry.value);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        const path = [name, ...(issue?.path ?? [])].map(String).join('.');
        return `${path}: ${issue?.message ?? 'not a valid value'}`;
      }
    }
  }
  return null;
}
