import {
  type GraphQLInputType,
  type GraphQLSchema,
  type VariableDefinitionNode,
  coerceInputValue,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  typeFromAST,
} from 'graphql';

/**
 * GraphQL rejects badly typed variables before any resolver runs, with messages written for GraphQL
 * users ('Variable "$input" got invalid value …'). REST clients sent fields, not variables, so this
 * re-runs the same coercion to learn which field failed and says it in their terms ("name is
 * required", "limit must be an integer"). It only runs on the error path.
 */
export function describeVariableErrors(
  schema: GraphQLSchema,
  definitions: readonly VariableDefinitionNode[],
  values: Record<string, unknown>,
): string | null {
  for (const def of definitions) {
    const name = def.variable.name.value;
    const type = typeFromAST(schema, def.type) as GraphQLInputType | undefined;
    if (!type) continue;
    const value = values[name];
    if (value === undefined && def.defaultValue) continue;
    if (value === undefined || value === null) {
      if (isNonNullType(type)) return `${name} is required`;
      continue;
    }
    let message: string | null = null;
    coerceInputValue(value, type, (path, _invalid, error) => {
      if (message) return;
      const required = /^Field "([^"]+)" of required type/.exec(error.message);
      const prefix = path.filter((p) => typeof p === 'string').join('.');
      const field = required ? join(prefix, required[1]) : prefix || name;
      if (required || /not to be null/.test(error.message)) {
        message = `${field} is required`;
        return;
      }
      if (/is not defined by type/.test(error.message)) return; // the REST adapter never sends unknown fields
      message = `${field} ${expectation(typeAt(type, path))}`;
    });
    if (message) return message;
  }
  return null;
}

function join(prefix: string, field: string): string {
  return prefix ? `${prefix}.${field}` : field;
}

function typeAt(type: GraphQLInputType, path: ReadonlyArray<string | number>): GraphQLInputType {
  let current: GraphQLInputType = type;
  for (const step of path) {
    const inner: GraphQLInputType = isNonNullType(current) ? current.ofType : current;
    if (isListType(inner)) current = inner.ofType;
    else if (isInputObjectType(inner) && typeof step === 'string' && inner.getFields()[step]) current = inner.getFields()[step].type;
    else return inner;
  }
  return current;
}

function expectation(type: GraphQLInputType): string {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) return 'must be a list';
  const named = getNamedType(inner);
  if (isEnumType(named)) return `must be one of ${named.getValues().map((v) => v.name).join(', ')}`;
  if (isInputObjectType(named)) return 'must be an object';
  switch (named.name) {
    case 'Int':
      return 'must be an integer';
    case 'Float':
      return 'must be a number';
    case 'Boolean':
      return 'must be a boolean';
    case 'String':
    case 'ID':
      return 'must be a string';
    case 'JSONObject':
      return 'must be a JSON object';
    default:
      return `must be a valid ${named.name}`;
  }
}
