import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  typeFromAST,
  valueFromAST,
} from 'graphql';
import { LARGE_FIELDS, type SizeLimits, SMALL_VALUE_BYTES, UNPAGED_LIST_ITEMS } from './field-sizes';

const PAGE_ARGUMENTS = ['limit', 'first'];

/**
 * The most bytes an operation's `data` may hold: every list at its `limit`/`first` (given, or its
 * default), unpaged lists at UNPAGED_LIST_ITEMS, large fields at their LARGE_FIELDS size, any other
 * value at SMALL_VALUE_BYTES. Fragments are counted where they are spread (an upper bound when their
 * type conditions exclude each other). Introspection is not counted.
 */
export function worstCaseBytes(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  limits: SizeLimits,
): number {
  return worstCase(schema, document, operation, variables, limits).bytes;
}

/** worstCaseBytes, and whether it read a variable (a page size given as `$limit`): else it is the operation's own. */
export function worstCase(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  limits: SizeLimits,
): { bytes: number; readsVariables: boolean } {
  let readsVariables = false;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  if (!root) return { bytes: 0, readsVariables };

  const selectionBytes = (set: SelectionSetNode, parent: GraphQLCompositeType): number => {
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) total += fieldBytes(sel, parent);
      else {
        const fragment = sel.kind === Kind.INLINE_FRAGMENT ? sel : fragments.get(sel.name.value);
        if (!fragment) continue;
        const on = fragment.typeCondition ? typeFromAST(schema, fragment.typeCondition) : parent;
        if (on && isCompositeType(on)) total += selectionBytes(fragment.selectionSet, on);
      }
    }
    return total;
  };

  const fieldBytes = (node: FieldNode, parent: GraphQLCompositeType): number => {
    const name = node.name.value;
    if (name.startsWith('__')) return name === '__typename' ? SMALL_VALUE_BYTES : 0;
    if (!('getFields' in parent)) return SMALL_VALUE_BYTES;
    const field = parent.getFields()[name];
    if (!field) return 0;
    let items = 1;
    if (isListType(getNullableType(field.type))) {
      items = listItems(field, node, variables);
      readsVariables ||= node.arguments?.some((a) => PAGE_ARGUMENTS.includes(a.name.value) && a.value.kind !== Kind.INT) ?? false;
    }
    const named = getNamedType(field.type);
    const large = LARGE_FIELDS[`${parent.name}.${name}`];
    const one = large ? large(limits) : node.selectionSet && isCompositeType(named) ? SMALL_VALUE_BYTES + selectionBytes(node.selectionSet, named) : SMALL_VALUE_BYTES;
    return items * one;
  };

  const bytes = operation.selectionSet ? selectionBytes(operation.selectionSet, root) : 0;
  return { bytes, readsVariables };
}

/** A list's item count: its page argument as given (a literal or a variable), else that argument's default. */
function listItems(field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Record<string, unknown>): number {
  for (const argName of PAGE_ARGUMENTS) {
    const def = field.args.find((a) => a.name === argName);
    if (!def) continue;
    const given = node.arguments?.find((a) => a.name.value === argName);
    const value = given ? valueFromAST(given.value, def.type, variables) : def.defaultValue;
    // An invalid value is refused by the field itself; count it at the default meanwhile.
    return typeof value === 'number' && value >= 0 ? value : typeof def.defaultValue === 'number' ? def.defaultValue : UNPAGED_LIST_ITEMS;
  }
  return UNPAGED_LIST_ITEMS;
}

const MB = 1024 * 1024;
export const formatBytes = (n: number) => (n >= MB ? `${(n / MB).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} bytes`);

/** The error for a query over its budget: what it may cost, the budget and its setting, and what to do. */
export function overBudget(bytes: number, budget: number): GraphQLError {
  return new GraphQLError(
    `Query cost too high: its result may be up to ${formatBytes(bytes)} (lists counted at their limit, large fields such as html and text at their largest), ` +
      `over the budget of ${formatBytes(budget)} (GRAPHQL_MAX_QUERY_BYTES). Ask for fewer items (limit) or leave out large fields.`,
    { extensions: { code: 'BAD_USER_INPUT', cost: bytes, budget, http: { status: 400 } } },
  );
}
