import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type IndexName, isIndexName } from '../index-source';
import { INDEX_SOURCES } from '../index-sources';

/** The export shipped with the app (Kibana 8.x saved objects, one JSON object per line). */
export const KIBANA_EXPORT_FILE =
  // src/indexing/kibana (ts-jest) or dist/src/indexing/kibana (compiled)
  [join(__dirname, '..', '..', '..'), join(__dirname, '..', '..', '..', '..')]
    .map((root) => join(root, 'kibana-export', 'opa-crypto.ndjson'))
    .find((file) => existsSync(file)) ?? join(process.cwd(), 'kibana-export', 'opa-crypto.ndjson');
/** The index prefix the export's data view titles are written with. */
export const EXPORT_INDEX_PREFIX = 'opa-';

export interface SavedObject {
  id: string;
  type: string;
  attributes: Record<string, unknown>;
  references: { id: string; type: string; name: string }[];
  [key: string]: unknown;
}

/** Parses NDJSON; a line that is not an object with id, type, attributes and references is reported. */
export function parseSavedObjects(text: string): { objects: SavedObject[]; problems: string[] } {
  const objects: SavedObject[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const value = JSON.parse(line) as Partial<SavedObject>;
      if (typeof value.id !== 'string' || typeof value.type !== 'string' || typeof value.attributes !== 'object' || !Array.isArray(value.references)) {
        problems.push(`line ${i + 1}: not a saved object (needs id, type, attributes, references)`);
        return;
      }
      objects.push(value as SavedObject);
    } catch (error) {
      problems.push(`line ${i + 1}: invalid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
  });
  return { objects, problems };
}

/** The index a data view title stands for, when it is one of ours. */
function indexOfTitle(title: unknown, prefix: string): IndexName | null {
  if (typeof title !== 'string' || !title.startsWith(prefix)) return null;
  const name = title.slice(prefix.length);
  return isIndexName(name) ? name : null;
}

/** Field names a KQL query names (`field : value`, `field >= 3`), enough for the queries the export holds. */
function kqlFields(query: unknown): string[] {
  if (typeof query !== 'string') return [];
  return [...query.matchAll(/([A-Za-z_][A-Za-z0-9_.]*)\s*(?::|<=|>=|<|>)/g)].map((match) => match[1]);
}

interface FieldUse {
  object: string;
  /** Reference name whose data view the field must belong to. */
  ref: string;
  field: string;
}

/** Every field a visualization, saved search or data view uses, with the reference naming its data view. */
function fieldUses(object: SavedObject): FieldUse[] {
  const uses: FieldUse[] = [];
  const label = `${object.type} ${object.id}`;
  if (object.type === 'lens') {
    const state = object.attributes.state as {
      datasourceStates?: { formBased?: { layers?: Record<string, { columns?: Record<string, { sourceField?: string }> }> } };
      visualization?: { layers?: { layerId: string; layerType?: string; annotations?: { timeField?: string; extraFields?: string[]; filter?: { query?: string } }[] }[] };
      query?: { query?: string };
    };
    const layers = state.datasourceStates?.formBased?.layers ?? {};
    for (const [layerId, layer] of Object.entries(layers)) {
      const ref = `indexpattern-datasource-layer-${layerId}`;
      for (const column of Object.values(layer.columns ?? {})) {
        if (column.sourceField && column.sourceField !== '___records___') uses.push({ object: label, ref, field: column.sourceField });
      }
      for (const field of kqlFields(state.query?.query)) uses.push({ object: label, ref, field });
    }
    for (const layer of state.visualization?.layers ?? []) {
      if (layer.layerType !== 'annotations') continue;
      const ref = `xy-visualization-layer-${layer.layerId}`;
      for (const annotation of layer.annotations ?? []) {
        for (const field of [annotation.timeField, ...(annotation.extraFields ?? []), ...kqlFields(annotation.filter?.query)]) {
          if (field) uses.push({ object: label, ref, field });
        }
      }
    }
  }
  if (object.type === 'search') {
    const ref = 'kibanaSavedObjectMeta.searchSourceJSON.index';
    for (const field of (object.attributes.columns as string[] | undefined) ?? []) uses.push({ object: label, ref, field });
    for (const [field] of (object.attributes.sort as [string, string][] | undefined) ?? []) uses.push({ object: label, ref, field });
  }
  return uses;
}

/** Reference names an object's attributes point at (they must all be in its references). */
function referenceNamesUsed(object: SavedObject): string[] {
  if (object.type === 'dashboard') {
    const panels = JSON.parse(typeof object.attributes.panelsJSON === 'string' ? object.attributes.panelsJSON : '[]') as { panelIndex: string; panelRefName?: string }[];
    return panels.map((panel) => `${panel.panelIndex}:${panel.panelRefName ?? ''}`);
  }
  if (object.type === 'search') {
    const source = JSON.parse(String((object.attributes.kibanaSavedObjectMeta as { searchSourceJSON?: string } | undefined)?.searchSourceJSON ?? '{}')) as { indexRefName?: string };
    return source.indexRefName ? [source.indexRefName] : [];
  }
  if (object.type === 'lens') {
    return [...new Set(fieldUses(object).map((use) => use.ref))];
  }
  return [];
}

/**
 * Checks an export offline: every line parses, (type, id) pairs are unique, every reference resolves to an object
 * of the file with the right type, every reference name the attributes use exists, every data view of ours has its
 * time field in the index template, every index has a data view, and every field a visualization or saved search
 * uses exists in the template mapping of the index its data view stands for (read from INDEX_SOURCES).
 */
export function validateSavedObjects(text: string, prefix = EXPORT_INDEX_PREFIX): string[] {
  const { objects, problems } = parseSavedObjects(text);
  const byKey = new Map<string, SavedObject>();
  for (const object of objects) {
    const key = `${object.type}:${object.id}`;
    if (byKey.has(key)) problems.push(`duplicate id ${key}`);
    byKey.set(key, object);
  }
  const ids = new Map<string, number>();
  for (const object of objects) ids.set(object.id, (ids.get(object.id) ?? 0) + 1);
  for (const [id, count] of ids) if (count > 1 && !problems.some((p) => p.endsWith(id))) problems.push(`duplicate id ${id}`);

  const dataViewIndex = new Map<string, IndexName>();
  for (const object of objects.filter((o) => o.type === 'index-pattern')) {
    const index = indexOfTitle(object.attributes.title, prefix);
    if (!index) {
      problems.push(`index-pattern ${object.id}: title ${String(object.attributes.title)} is not one of our indices`);
      continue;
    }
    dataViewIndex.set(object.id, index);
    const timeField = object.attributes.timeFieldName;
    if (typeof timeField !== 'string' || INDEX_SOURCES[index].fields[timeField] !== 'date') {
      problems.push(`index-pattern ${object.id}: time field ${String(timeField)} is not a date field of ${index}`);
    }
  }
  for (const name of Object.keys(INDEX_SOURCES)) {
    if (![...dataViewIndex.values()].includes(name as IndexName)) problems.push(`no data view for index ${name}`);
  }

  for (const object of objects) {
    const label = `${object.type} ${object.id}`;
    for (const reference of object.references) {
      if (!byKey.has(`${reference.type}:${reference.id}`)) problems.push(`${label}: reference ${reference.name} → ${reference.type} ${reference.id} does not resolve`);
    }
    const names = new Set(object.references.map((reference) => reference.name));
    for (const name of referenceNamesUsed(object)) if (!names.has(name)) problems.push(`${label}: uses reference ${name}, which it does not declare`);
    for (const use of fieldUses(object)) {
      const reference = object.references.find((r) => r.name === use.ref);
      const index = reference && reference.type === 'index-pattern' ? dataViewIndex.get(reference.id) : undefined;
      if (!index) {
        problems.push(`${label}: field ${use.field} has no data view of ours (reference ${use.ref})`);
      } else if (!(use.field in INDEX_SOURCES[index].fields)) {
        problems.push(`${label}: field ${use.field} is not in the ${index} index template`);
      }
    }
  }
  return problems;
}

export function readExport(path = KIBANA_EXPORT_FILE): string {
  return readFileSync(path, 'utf8');
}

/** The export with every data view title rewritten from the export's prefix to `prefix`. */
export function withIndexPrefix(text: string, prefix: string): string {
  if (prefix === EXPORT_INDEX_PREFIX) return text;
  const { objects } = parseSavedObjects(text);
  return (
    objects
      .map((object) => {
        if (object.type !== 'index-pattern') return JSON.stringify(object);
        const index = indexOfTitle(object.attributes.title, EXPORT_INDEX_PREFIX);
        return JSON.stringify(index ? { ...object, attributes: { ...object.attributes, title: `${prefix}${index}` } } : object);
      })
      .join('\n') + '\n'
  );
}
