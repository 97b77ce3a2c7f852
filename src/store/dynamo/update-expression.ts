/**
 * SET for the defined attributes, REMOVE for the undefined ones: a save replaces the record's attributes
 * without a PutItem, which would wipe the attributes the save does not own (the journal counter).
 */
export function setOrRemove(
  attributes: Record<string, unknown>,
  condition?: { expression: string; names: Record<string, string>; values: Record<string, unknown> },
): {
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
} {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const set: string[] = [];
  const remove: string[] = [];
  // Aliases are `#<name>` (names here are plain identifiers), so a condition can use the same ones.
  for (const [name, value] of Object.entries(attributes)) {
    names[`#${name}`] = name;
    if (value === undefined) {
      remove.push(`#${name}`);
    } else {
      values[`:${name}`] = value;
      set.push(`#${name} = :${name}`);
    }
  }
  const expression = [set.length ? `SET ${set.join(', ')}` : '', remove.length ? `REMOVE ${remove.join(', ')}` : ''].filter(Boolean).join(' ');
  if (!condition) return { UpdateExpression: expression, ExpressionAttributeNames: names, ExpressionAttributeValues: values };
  return {
    UpdateExpression: expression,
    ConditionExpression: condition.expression,
    ExpressionAttributeNames: { ...names, ...condition.names },
    ExpressionAttributeValues: { ...values, ...condition.values },
  };
}
