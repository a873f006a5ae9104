/** Words the pages show for the model's enums, in one place. */
import type { CaseRule, EntityKind } from '../../lib/model';

export const KIND_LABELS: Record<EntityKind, string> = {
  person: 'Person',
  place: 'Place',
  organization: 'Organization',
  group: 'Group',
  topic: 'Topic',
  other: 'Other',
};

export const CASE_LABELS: Record<CaseRule, string> = {
  auto: 'Auto',
  sensitive: 'Match case',
  insensitive: 'Ignore case',
};
