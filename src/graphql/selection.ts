import { type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';

/** The names of the fields asked for directly under the current field (through fragments too), in one walk. */
export function selectedFields(info: GraphQLResolveInfo): Set<string> {
  const names = new Set<string>();
  for (const node of info.fieldNodes) if (node.selectionSet) collect(node.selectionSet, info, names);
  return names;
}

function collect(set: SelectionSetNode, info: GraphQLResolveInfo, names: Set<string>): void {
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) names.add(s.name.value);
    else if (s.kind === Kind.INLINE_FRAGMENT) collect(s.selectionSet, info, names);
    else {
      const fragment = info.fragments[s.name.value];
      if (fragment) collect(fragment.selectionSet, info, names);
    }
  }
}
