import {
  type GraphQLInputType,
  type GraphQLSchema,
  type VariableDefinitionNode,
  getNullableType,
  isInputObjectType,
  isListType,
  typeFromAST,
} from 'graphql';

/**
 * The fields a JSON body may have: each name maps to the fields of its nested object, or to null when
 * its value is not looked into (a scalar, or `metadata`'s free-form JSON object).
 */
export type BodyFields = ReadonlyMap<string, BodyFields | null>;

/**
 * A route's body fields, from the schema: a variable of input object type takes the body's fields (its
 * type's fields, nested input objects included), any other variable the one field of its name. So the
 * fields a route accepts are those its operation's input types declare, never a second list to keep in step.
 */
export function bodyFieldsOf(schema: GraphQLSchema, definitions: readonly VariableDefinitionNode[], variables: readonly string[]): BodyFields {
  const fields = new Map<string, BodyFields | null>();
  for (const name of variables) {
    const def = definitions.find((d) => d.variable.name.value === name);
    if (!def) throw new Error(`the body fills $${name}, which the operation does not declare`);
    const nested = objectFields(typeFromAST(schema, def.type as never) as GraphQLInputType);
    if (nested) for (const [field, inner] of nested) fields.set(field, inner);
    else fields.set(name, null);
  }
  return fields;
}

function objectFields(type: GraphQLInputType): BodyFields | null {
  let inner = getNullableType(type);
  // A list of objects: each element is checked against the object's fields.
  while (isListType(inner)) inner = getNullableType(inner.ofType);
  if (!isInputObjectType(inner)) return null;
  return new Map(Object.values(inner.getFields()).map((f) => [f.name, objectFields(f.type)]));
}

/** The body's fields that `fields` does not name, as dotted paths (`filters.form`), in body order. */
export function unknownFields(body: unknown, fields: BodyFields, prefix = ''): string[] {
  // Arrays are looked into one level, for a list of objects: a deeply nested array costs no recursion.
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [];
  const unknown: string[] = [];
  for (const [name, value] of Object.entries(body)) {
    if (!fields.has(name)) unknown.push(prefix + name);
    else {
      const nested = fields.get(name);
      if (nested) for (const item of Array.isArray(value) ? value : [value]) unknown.push(...unknownFields(item, nested, `${prefix}${name}.`));
    }
  }
  return [...new Set(unknown)];
}

/** A few names are enough to fix a request; a body of thousands of stray keys gets no answer of that size. */
const NAMED_AT_MOST = 5;
const NAME_CHARS = 100;

/** `unknown field "metdata"`, or `unknown fields "a", "b"` — Stripe's "Received unknown parameter", in our words. */
export function unknownFieldsMessage(names: string[]): string {
  const quoted = names.slice(0, NAMED_AT_MOST).map((n) => JSON.stringify(n.length > NAME_CHARS ? `${n.slice(0, NAME_CHARS)}…` : n));
  const more = names.length > NAMED_AT_MOST ? ` and ${names.length - NAMED_AT_MOST} more` : '';
  return `unknown field${names.length > 1 ? 's' : ''} ${quoted.join(', ')}${more}`;
}
