import { type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';

/** Whether the query asks for `field` directly under the current field (through fragments too). */
export function selects(info: GraphQLResolveInfo, field: string): boolean {
  return info.fieldNodes.some((node) => node.selectionSet && inSet(node.selectionSet, field, info));
}

function inSet(set: SelectionSetNode, field: string, info: GraphQLResolveInfo): boolean {
  return set.selections.some((s) => {
    if (s.kind === Kind.FIELD) return s.name.value === field;
    if (s.kind === Kind.INLINE_FRAGMENT) return inSet(s.selectionSet, field, info);
    const fragment = info.fragments[s.name.value];
    return fragment ? inSet(fragment.selectionSet, field, info) : false;
  });
}
